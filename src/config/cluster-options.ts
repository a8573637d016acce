import os from 'node:os'
import {InvalidInputError, type InputProblem} from '../errors/index.js'
import {resolveKubeconfigPath} from '../kubeconfig/paths.js'
import {validateClusterName} from './cluster-name.js'
import {parseDuration} from './duration.js'
import {checkKubernetesVersion, DEFAULT_KUBERNETES_VERSION} from './kubernetes-version.js'

export {DEFAULT_KUBERNETES_VERSION} from './kubernetes-version.js'

export const DEFAULT_CLUSTER_NAME = 'kcluster'
export const DEFAULT_WAIT = '5m'

export interface CreateOptionsInput {
  name?: string
  image?: string
  kubernetesVersion?: string
  wait?: string
  retain?: boolean
  kubeconfig?: string
}

export interface CreateOptions {
  name: string
  image?: string
  kubernetesVersion: string
  waitMs: number
  retain: boolean
  kubeconfigPath: string
}

// Grammar of github.com/distribution/reference, simplified: [domain[:port]/]path[:tag][@digest].
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
const IMAGE_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`)

/** Whether a string could be a Docker image reference (repo[:tag][@digest]); does not check it exists. */
export function isPlausibleImageReference(reference: string): boolean {
  return reference.length <= 512 && IMAGE_REFERENCE.test(reference)
}

/** Applies defaults, then validates everything, reporting all problems in one error so the user fixes them in one go. */
export function resolveCreateOptions(input: CreateOptionsInput, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): CreateOptions {
  const problems: InputProblem[] = []

  const name = input.name ?? DEFAULT_CLUSTER_NAME
  const nameProblem = validateClusterName(name)
  if (nameProblem) problems.push({field: 'name', message: nameProblem})

  const checked = checkKubernetesVersion(input.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION)
  const kubernetesVersion = 'version' in checked ? checked.version : DEFAULT_KUBERNETES_VERSION
  if ('problem' in checked) problems.push(checked.problem)

  let waitMs = 0
  try {
    waitMs = parseDuration(input.wait ?? DEFAULT_WAIT, 'wait')
    if (waitMs < 0) problems.push({field: 'wait', message: `must be 0 or more (got ${JSON.stringify(input.wait)})`})
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error
    problems.push(...error.problems)
  }

  if (input.image !== undefined && !isPlausibleImageReference(input.image)) {
    problems.push({field: 'image', message: `is not a valid image reference (got ${JSON.stringify(input.image)}); expected e.g. kcluster/node:v1.34.4 or registry.example.com/node@sha256:<digest>`})
  }

  if (problems.length > 0) throw new InvalidInputError(problems)

  const options: CreateOptions = {
    name,
    kubernetesVersion,
    waitMs,
    retain: input.retain ?? false,
    kubeconfigPath: resolveKubeconfigPath(input.kubeconfig, env, home),
  }
  if (input.image !== undefined) options.image = input.image
  return options
}
