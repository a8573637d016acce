// Flags of `create`, and the config file they may name, → a cluster spec and
// the run options, validated together so every problem is reported at once.
// A flag overrides the file; without a file the spec is one control plane.
import os from 'node:os'
import {InvalidInputError, type InputProblem} from '../errors/index.js'
import {resolveKubeconfigPath} from '../kubeconfig/paths.js'
import {parseKeyValues} from './cluster-labels.js'
import {validateClusterName} from './cluster-name.js'
import {DEFAULT_CLUSTER_NAME, defaultNetworking, type ClusterSpec, type RunOptions} from './cluster-spec.js'
import {parseDuration} from './duration.js'
import type {LoadedClusterConfig} from './load-config.js'
import {isPlausibleImageReference} from './image-reference.js'
import {checkKubernetesVersion, DEFAULT_KUBERNETES_VERSION} from './kubernetes-version.js'
import {CLUSTER_PROFILES, DEFAULT_PROFILE, isClusterProfile, profileProblems, type ClusterProfile} from './profile.js'
import {proxySettingsFrom} from './proxy.js'

export {DEFAULT_CLUSTER_NAME} from './cluster-spec.js'
export {DEFAULT_KUBERNETES_VERSION} from './kubernetes-version.js'
export {isPlausibleImageReference} from './image-reference.js'

export const DEFAULT_WAIT = '5m'

/** The flags of `kcluster create` in camelCase, and the config file they may name. */
export interface CreateOptionsInput {
  name?: string
  image?: string
  kubernetesVersion?: string
  wait?: string
  retain?: boolean
  kubeconfig?: string
  /** Labels of the cluster's containers, networks and volumes: `key=value` arguments or a map; they add to the config file's. */
  labels?: readonly string[] | Record<string, string>
  /** After how long `prune` may delete the cluster (a duration, e.g. 2h); none: never. */
  ttl?: string
  /** What backs the API server: default (etcd) or light (kine on SQLite, one control plane); replaces the config file's. */
  profile?: string
  /** `create --addons`: names to enable, `-name` to leave out one that is on by default; added after the file's. */
  addons?: string[]
  /** A loaded config file (loadClusterConfig); the flags above override its name, image and version. */
  config?: LoadedClusterConfig
}

export interface CreateOptions {
  spec: ClusterSpec
  run: RunOptions
}

/** Applies defaults, then validates everything, reporting all problems in one error so the user fixes them in one go. */
export function resolveCreateOptions(input: CreateOptionsInput, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): CreateOptions {
  const problems: InputProblem[] = []

  const file = input.config?.spec
  const name = input.name ?? file?.name ?? DEFAULT_CLUSTER_NAME
  const nameProblem = validateClusterName(name)
  if (nameProblem) problems.push({field: 'name', message: nameProblem})

  // --image replaces the image of every node, as kind's flag does.
  const image = input.image ?? file?.image
  // Without a version, a given image tells its own (by its label); the default image is built for the default version.
  let kubernetesVersion: string | undefined = input.kubernetesVersion === undefined ? file?.kubernetesVersion : undefined
  if (kubernetesVersion === undefined && image === undefined) kubernetesVersion = DEFAULT_KUBERNETES_VERSION
  if (input.kubernetesVersion !== undefined) {
    const checked = checkKubernetesVersion(input.kubernetesVersion)
    if ('problem' in checked) problems.push(checked.problem)
    else kubernetesVersion = checked.version
  }

  let waitMs = 0
  try {
    waitMs = parseDuration(input.wait ?? DEFAULT_WAIT, 'wait')
    if (waitMs < 0) problems.push({field: 'wait', message: `must be 0 or more (got ${JSON.stringify(input.wait)})`})
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error
    problems.push(...error.problems)
  }

  // The file's labels first; a flag of the same key wins.
  const flagLabels = Array.isArray(input.labels) ? parseKeyValues(input.labels as readonly string[], 'label', problems) : checkedLabels((input.labels ?? {}) as Record<string, string>, problems)
  const labels = {...file?.labels, ...flagLabels}

  let ttlMs: number | undefined
  if (input.ttl !== undefined) {
    try {
      ttlMs = parseDuration(input.ttl, 'ttl')
      if (ttlMs <= 0) problems.push({field: 'ttl', message: `must be more than 0 (got ${JSON.stringify(input.ttl)}); leave it out for a cluster that never expires`})
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error
      problems.push(...error.problems)
    }
  }

  if (input.image !== undefined && !isPlausibleImageReference(input.image)) {
    problems.push({field: 'image', message: `is not a valid image reference (got ${JSON.stringify(input.image)}); expected e.g. kcluster/node:v1.34.4 or registry.example.com/node@sha256:<digest>`})
  }

  let profile: ClusterProfile = file?.profile ?? DEFAULT_PROFILE
  if (input.profile !== undefined) {
    if (isClusterProfile(input.profile)) profile = input.profile
    else problems.push({field: 'profile', message: `must be ${CLUSTER_PROFILES.join(' or ')} (got ${JSON.stringify(input.profile)})`})
  }
  // The file's own profile was checked against its nodes when it was loaded; a flag is checked here.
  if (input.profile !== undefined) problems.push(...profileProblems(profile, file?.nodes ?? [], '--profile'))

  if (problems.length > 0) throw new InvalidInputError(problems)

  const spec: ClusterSpec = {...file, name, nodes: file?.nodes ?? [{role: 'control-plane'}], networking: file?.networking ?? defaultNetworking()}
  delete spec.kubernetesVersion
  delete spec.image
  if (kubernetesVersion !== undefined) spec.kubernetesVersion = kubernetesVersion
  if (image !== undefined) spec.image = image
  if (input.image !== undefined) spec.nodes = spec.nodes.map(({image: _replaced, ...node}) => node)
  delete spec.labels
  if (Object.keys(labels).length > 0) spec.labels = labels
  // Recorded only when it is not the default, as every optional field of a spec.
  delete spec.profile
  if (profile !== DEFAULT_PROFILE) spec.profile = profile
  const fromFlag = (input.addons ?? []).map((text) => text.trim()).filter(Boolean).map((text) => ({name: text.replace(/^-/, ''), enabled: !text.startsWith('-'), options: {}, field: '--addons'}))
  if (fromFlag.length > 0) spec.addons = [...(spec.addons ?? []), ...fromFlag]
  const proxy = proxySettingsFrom(env)
  return {spec, run: {waitMs, retain: input.retain ?? false, kubeconfigPath: resolveKubeconfigPath(input.kubeconfig, env, home), ...(ttlMs === undefined ? {} : {ttlMs}), ...(proxy ? {proxy} : {})}}
}

/** Labels given as a map (the library): checked as the flags are. */
function checkedLabels(labels: Record<string, string>, problems: InputProblem[]): Record<string, string> {
  return parseKeyValues(Object.entries(labels).map(([key, value]) => `${key}=${value}`), 'labels', problems)
}
