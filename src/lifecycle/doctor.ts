// `kcluster doctor`: what this machine offers a cluster of a given shape,
// found before anything is created. Facts are gathered here (the engine, a
// probe container, the host ports, the environment); every decision is one of
// the pure checks in host-checks.ts.
import {DEFAULT_KUBERNETES_VERSION} from '../config/kubernetes-version.js'
import type {LoadedClusterConfig} from '../config/load-config.js'
import {InvalidInputError, KclusterError} from '../errors/index.js'
import {imageReference, loadBalancerImageRecipe, nodeImageRecipe} from '../images/index.js'
import type {PortMapping} from '../plan/plan-cluster.js'
import type {EngineFacts, Provider} from '../provider/types.js'
import {diskCheck, dockerCheck, hostPortsCheck, inotifyCheck, notChecked, proxyCheck, securityModeCheck, type ClusterShape, type HostCheck, type SecurityProbe} from './host-checks.js'
import {prepareCreate} from './prepare-create.js'

/** The cluster `kcluster doctor` checks the machine for. */
export interface DoctorInput {
  /** The cluster to check for: its shape and the host ports it fixes. */
  config?: LoadedClusterConfig
  /** Without a config: one control plane and nodes - 1 workers (default 1). */
  nodes?: number
}

/** Every check of `kcluster doctor`, and whether a create may go ahead. */
export interface DoctorResult {
  /** Always the same checks, in the same order: docker, security-mode, inotify, disk, host-ports, proxy. */
  checks: HostCheck[]
  /** No check failed (warnings allowed). */
  ok: boolean
}

export interface DoctorDependencies {
  provider: Provider
  /** The environment create would run in (its proxy variables); default this process's. */
  env?: NodeJS.ProcessEnv
  /** Images a probe container may run from, best first, for a Kubernetes version; default the node and load balancer images by their recipes. */
  probeImages?: (kubernetesVersion: string) => string[]
}

export async function doctor(input: DoctorInput, {provider, env = process.env, probeImages = defaultProbeImages}: DoctorDependencies): Promise<DoctorResult> {
  const target = clusterTarget(input, env)
  let engine: EngineFacts | {unreachable: string}
  try {
    engine = await provider.engineFacts()
  } catch (error) {
    if (!(error instanceof KclusterError)) throw error
    engine = {unreachable: String(error.details?.cause ?? error.message)}
  }
  const checks: HostCheck[] = [dockerCheck(engine)]
  if ('unreachable' in engine) {
    const why = 'the Docker engine does not answer'
    checks.push(notChecked('security-mode', why), notChecked('inotify', why), notChecked('disk', why), notChecked('host-ports', why))
  } else {
    const candidates = target.image ? [target.image] : probeImages(target.kubernetesVersion)
    const present = await firstPresent(provider, candidates)
    const [probe, holders] = await Promise.all([probeSecurityMode(provider, present), Promise.all(target.ports.map((port) => provider.portHolder(port)))])
    // The default image is built at create when missing, which takes room of its own.
    const nodeImageMissing = !target.image && (present === undefined || present !== candidates[0])
    checks.push(
      securityModeCheck(probe),
      inotifyCheck(engine.machine?.inotify, target.shape),
      diskCheck(engine.machine?.disk, target.shape, nodeImageMissing),
      hostPortsCheck(target.ports.map((port, i) => ({port, ...(holders[i] === undefined ? {} : {holder: holders[i]})}))),
    )
  }
  checks.push(proxyCheck(env))
  return {checks, ok: checks.every((c) => c.status !== 'fail')}
}

interface ClusterTarget {
  shape: ClusterShape
  /** Host ports the config fixes (those chosen at create cannot be taken). */
  ports: PortMapping[]
  kubernetesVersion: string
  /** The config's node image, when it names one. */
  image?: string
}

function clusterTarget(input: DoctorInput, env: NodeJS.ProcessEnv): ClusterTarget {
  if (input.config) {
    // Read as create reads it: a config create would refuse is refused here too.
    const {spec, provisionalPlan: plan} = prepareCreate({config: input.config}, env)
    const controlPlanes = spec.nodes.filter((n) => n.role === 'control-plane').length
    const ports = [...(plan.loadBalancer?.ports ?? []), ...plan.nodes.flatMap((n) => n.ports)].filter((p) => p.hostPort !== 0)
    const image = spec.image ?? spec.nodes.find((n) => n.image)?.image
    return {shape: {controlPlanes, workers: spec.nodes.length - controlPlanes}, ports, kubernetesVersion: spec.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION, ...(image ? {image} : {})}
  }
  const nodes = input.nodes ?? 1
  if (!Number.isInteger(nodes) || nodes < 1) throw new InvalidInputError([{field: 'nodes', message: `must be a whole number of 1 or more (got ${nodes})`}])
  return {shape: {controlPlanes: 1, workers: nodes - 1}, ports: [], kubernetesVersion: DEFAULT_KUBERNETES_VERSION}
}

function defaultProbeImages(kubernetesVersion: string): string[] {
  const references: string[] = []
  for (const recipe of [() => nodeImageRecipe(kubernetesVersion), loadBalancerImageRecipe]) {
    try {
      references.push(imageReference(recipe()))
    } catch {
      // No Debian mirror known here, say: that image cannot be named, let alone built.
    }
  }
  return references
}

async function firstPresent(provider: Provider, images: string[]): Promise<string | undefined> {
  for (const image of images) if (await provider.images.inspect(image)) return image
  return undefined
}

/** Probes --privileged as create does, from the node image or else another image of kcluster's (any with /bin/true does). */
async function probeSecurityMode(provider: Provider, image: string | undefined): Promise<SecurityProbe> {
  if (image === undefined) return {skipped: 'no kcluster image on this engine yet to run a probe container from'}
  try {
    return {mode: await provider.detectSecurityMode(image), image}
  } catch (error) {
    return {error: error instanceof Error ? error.message : String(error)}
  }
}

const MARK = {ok: '✓', warn: '!', fail: '✗'} as const

/** The result for a person: one line a check, its fix indented below, then a verdict. */
export function describeDoctor(result: DoctorResult): string {
  const width = Math.max(...result.checks.map((c) => c.id.length))
  const lines = result.checks.flatMap((check) => [
    `${MARK[check.status]} ${check.id.padEnd(width)}  ${check.summary}`,
    ...(check.fix ? check.fix.split('\n').map((line) => `  ${' '.repeat(width)}  fix: ${line}`) : []),
  ])
  const count = (status: HostCheck['status']) => result.checks.filter((c) => c.status === status).length
  const [failures, warnings] = [count('fail'), count('warn')]
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  lines.push(failures > 0 ? `${plural(failures, 'failure')}, ${plural(warnings, 'warning')}: fix the failures before kcluster create.` : warnings > 0 ? `No failures, ${plural(warnings, 'warning')}.` : 'Everything checked is fine.')
  return lines.join('\n')
}
