// `kcluster status`: what is up and what is down, answered in well under a
// second for a running cluster. Everything is asked at once: the engine for
// containers, the API server through its published endpoint (with the
// credentials of the kubeconfig context), each running node for kubelet's
// health. Reads only: it never writes the kubeconfig.
import {readContextAccess, readCurrentContext, resolveKubeconfigPath} from '../kubeconfig/index.js'
import {ClusterMissingError} from '../errors/index.js'
import {DEFAULT_PROFILE, isClusterProfile, type ClusterProfile} from '../config/profile.js'
import {contextName} from '../plan/names.js'
import type {ClusterContainer, ClusterInventory, Node, Provider} from '../provider/types.js'
import {addonStatuses, type AddonStatus} from './addon-status.js'
import {apiGet} from './api-client.js'
import {kubeletHealthy, nodeConditions, readyConditions, type NodeCondition} from './cluster-health.js'

/** Exit codes of `status`, so scripts need not parse its output (documented in the README). */
export const StatusExitCode = {
  /** Every container runs, the API server is ready, every node is Ready. */
  HEALTHY: 0,
  /** No container of the cluster runs. */
  STOPPED: 10,
  /** Some of it is down: a container stopped or removed, kubelet unhealthy, a node not Ready. */
  DEGRADED: 11,
  /** The containers run but the API server does not answer ready (yet). */
  API_NOT_READY: 12,
  /** A create holds the name: it is still running, or it was killed. */
  INCOMPLETE: 13,
} as const

/** A cluster's overall health, each with its own exit code of `kcluster status` (StatusExitCode). */
export type Health = 'healthy' | 'stopped' | 'degraded' | 'api-not-ready' | 'incomplete'

/** One node's container state, kubelet health and Ready condition. */
export interface NodeStatus {
  name: string
  containerName: string
  role: string
  ipv4: string
  /** The engine's container state, or 'removed' for a node container removed by hand. */
  container: string
  kubelet: 'healthy' | 'unhealthy' | 'unknown'
  /** The node's Ready condition; null when the API server could not be asked. */
  ready: boolean | null
}

/** What `kcluster status` reports: health, problems, API server, nodes and kubeconfig entry. */
export interface ClusterStatus {
  name: string
  /** What backs the API server: `default` (etcd) or `light` (kine on SQLite), as create --profile made it. */
  profile: ClusterProfile
  health: Health
  exitCode: number
  /** One sentence per thing that is down, naming it. */
  problems: string[]
  apiServer: {server: string | null; ready: boolean; detail: string}
  nodes: NodeStatus[]
  loadBalancer: {containerName: string; container: string} | null
  kubeconfig: {path: string; context: string; present: boolean; current: boolean}
  /** The addons installed in the cluster, each `enabled` or `not-ready` as `addons list` says; empty when the API server cannot be asked. */
  addons: {name: string; state: string}[]
}

const API_TIMEOUT_MS = 1500

export async function clusterStatus(input: {name: string; kubeconfig?: string}, {provider, signal}: {provider: Provider; signal?: AbortSignal}): Promise<ClusterStatus> {
  await provider.ping()
  const inventory = await provider.inspectCluster(input.name)
  if (!inventory) throw new ClusterMissingError(input.name)
  const kubeconfigPath = resolveKubeconfigPath(input.kubeconfig)
  const context = contextName(input.name)
  const [access, current] = await Promise.all([readContextAccess(kubeconfigPath, context), readCurrentContext(kubeconfigPath).catch(() => undefined)])
  const running = inventory.containers.filter((c) => c.kind === 'node' && c.state === 'running')
  // Needs no node handle: asked while the nodes are listed.
  const addons = askAddons(input.name, inventory, running.length > 0 ? access : undefined, provider, signal)
  const nodes = running.length > 0 ? await provider.listNodes(input.name) : []
  const byContainer = new Map(nodes.map((n) => [n.containerName, n]))

  const [readyz, conditions, kubelets] = await Promise.all([
    askReadyz(inventory.server, signal),
    askConditions(inventory, access, nodes, signal),
    Promise.all(running.map(async (c) => [c.containerName, await askKubelet(byContainer.get(c.containerName), signal)] as const)),
  ])
  return summarize({
    name: input.name,
    inventory,
    readyz,
    conditions,
    kubelets: new Map(kubelets),
    addons: await addons,
    kubeconfig: {path: kubeconfigPath, context, present: access !== undefined, current: current === context},
  })
}

async function askReadyz(server: string | undefined, signal?: AbortSignal): Promise<{ready: boolean; detail: string}> {
  if (!server) return {ready: false, detail: 'no published API endpoint'}
  try {
    const res = await apiGet(server, '/readyz', {timeoutMs: API_TIMEOUT_MS, ...(signal ? {signal} : {})})
    return {ready: res.statusCode === 200, detail: res.statusCode === 200 ? 'ok' : `/readyz answered ${res.statusCode}`}
  } catch (error) {
    return {ready: false, detail: String((error as Error).message ?? error)}
  }
}

/** Through the endpoint with the context's credentials; where those are gone, kubectl in a control plane (slower). */
async function askConditions(inventory: ClusterInventory, access: Awaited<ReturnType<typeof readContextAccess>>, nodes: Node[], signal?: AbortSignal): Promise<Map<string, NodeCondition> | undefined> {
  if (inventory.server && access) {
    try {
      const res = await apiGet(inventory.server, '/api/v1/nodes', {access, timeoutMs: API_TIMEOUT_MS, ...(signal ? {signal} : {})})
      if (res.statusCode === 200) return readyConditions(JSON.parse(res.body))
    } catch {
      // Fall through to kubectl in a node.
    }
  }
  const admin = nodes.find((n) => n.role === 'control-plane')
  if (!admin) return undefined
  return nodeConditions(admin, signal).catch(() => undefined)
}

/** Only through the endpoint with the context's credentials, and only while a node runs: else none are named. */
async function askAddons(name: string, inventory: ClusterInventory, access: Awaited<ReturnType<typeof readContextAccess>>, provider: Provider, signal?: AbortSignal): Promise<AddonStatus[]> {
  if (!inventory.server || !access) return []
  return addonStatuses({name, server: inventory.server, access, inventory}, {provider, timeoutMs: API_TIMEOUT_MS, ...(signal ? {signal} : {})}).catch(() => [])
}

async function askKubelet(node: Node | undefined, signal?: AbortSignal): Promise<'healthy' | 'unhealthy' | 'unknown'> {
  if (!node) return 'unknown'
  try {
    return (await kubeletHealthy(node, signal)) ? 'healthy' : 'unhealthy'
  } catch {
    return 'unknown'
  }
}

/** Pure: the answers put together into one status, its problems and its exit code. */
export function summarize(facts: {
  name: string
  inventory: ClusterInventory
  readyz: {ready: boolean; detail: string}
  conditions: Map<string, NodeCondition> | undefined
  kubelets: Map<string, 'healthy' | 'unhealthy' | 'unknown'>
  kubeconfig: ClusterStatus['kubeconfig']
  addons?: AddonStatus[]
}): ClusterStatus {
  const {inventory, conditions} = facts
  const problems: string[] = []
  const nodeContainers = inventory.containers.filter((c) => c.kind === 'node')
  const nodes: NodeStatus[] = nodeContainers.map((c: ClusterContainer) => {
    const running = c.state === 'running'
    const kubelet = running ? (facts.kubelets.get(c.containerName) ?? 'unknown') : 'unknown'
    const ready = conditions ? (running ? (conditions.get(c.name)?.ready ?? false) : false) : null
    if (!running) problems.push(`node ${c.name}: container ${c.containerName} is ${c.state}`)
    else if (kubelet === 'unhealthy') problems.push(`node ${c.name}: kubelet is not healthy`)
    else if (ready === false) problems.push(`node ${c.name} is not Ready`)
    return {name: c.name, containerName: c.containerName, role: c.role ?? 'worker', ipv4: c.ipv4, container: c.state, kubelet, ready}
  })
  for (const containerName of inventory.removedNodeContainers) {
    problems.push(`node container ${containerName} was removed (its /var volume is still there)`)
    nodes.push({name: containerName.split('.').slice(2).join('.') || containerName, containerName, role: 'unknown', ipv4: '', container: 'removed', kubelet: 'unknown', ready: null})
  }
  const lb = inventory.containers.find((c) => c.kind === 'load-balancer')
  if (lb && lb.state !== 'running') problems.push(`load balancer: container ${lb.containerName} is ${lb.state}`)
  for (const other of inventory.containers.filter((c) => c.kind !== 'node' && c.kind !== 'load-balancer' && c.state !== 'running')) {
    problems.push(`${other.kind} ${other.name}: container ${other.containerName} is ${other.state}`)
  }
  const anyRunning = inventory.containers.some((c) => c.state === 'running')
  const apiServer = {server: inventory.server ?? null, ready: facts.readyz.ready, detail: facts.readyz.detail}
  if (anyRunning && !apiServer.ready) problems.push(`API server ${apiServer.server ?? ''} is not ready: ${apiServer.detail}`.replace('  ', ' '))

  let health: Health
  if (inventory.claimed || nodeContainers.length === 0) health = 'incomplete'
  else if (!anyRunning) health = 'stopped'
  else if (!apiServer.ready && nodeContainers.every((c) => c.state === 'running')) health = 'api-not-ready'
  else health = problems.length === 0 ? 'healthy' : 'degraded'
  if (health === 'stopped') problems.splice(0, problems.length, 'every container of the cluster is stopped')
  if (health === 'incomplete') problems.unshift('a create of this name has not finished (or was killed): `kcluster delete` removes it')

  const exitCode = {healthy: StatusExitCode.HEALTHY, stopped: StatusExitCode.STOPPED, degraded: StatusExitCode.DEGRADED, 'api-not-ready': StatusExitCode.API_NOT_READY, incomplete: StatusExitCode.INCOMPLETE}[health]
  return {
    name: facts.name,
    profile: inventory.profile && isClusterProfile(inventory.profile) ? inventory.profile : DEFAULT_PROFILE,
    health,
    exitCode,
    problems,
    apiServer,
    nodes,
    loadBalancer: lb ? {containerName: lb.containerName, container: lb.state} : null,
    kubeconfig: facts.kubeconfig,
    addons: facts.addons ?? [],
  }
}

/** A few lines for a person: the verdict, then each node, then what is down. */
export function describeStatus(status: ClusterStatus): string {
  const lines = [`${status.name}: ${status.health} (API ${status.apiServer.server ?? '-'}: ${status.apiServer.ready ? 'ready' : status.apiServer.detail})${status.profile === 'default' ? '' : `, profile ${status.profile}`}`]
  for (const node of status.nodes) {
    const ready = node.ready === null ? 'Ready unknown' : node.ready ? 'Ready' : 'NotReady'
    lines.push(`  ${node.name}\t${node.role}\t${node.container}\tkubelet ${node.kubelet}\t${ready}`)
  }
  if (status.loadBalancer) lines.push(`  load balancer\t${status.loadBalancer.container}`)
  lines.push(`  context ${status.kubeconfig.context}: ${status.kubeconfig.present ? (status.kubeconfig.current ? 'current' : 'present, not current') : 'missing (kcluster export kubeconfig adds it)'} in ${status.kubeconfig.path}`)
  for (const problem of status.problems) lines.push(`  ! ${problem}`)
  return lines.join('\n')
}

/**
 * Asks again every interval and calls `onChange` with the first status and
 * each one that differs from the one before, until the signal aborts. A
 * cluster that disappears is a status too (health 'missing' is not one: the
 * watch ends with ClusterMissingError).
 */
export async function watchStatus(
  input: {name: string; kubeconfig?: string},
  {provider, signal, intervalMs}: {provider: Provider; signal: AbortSignal; intervalMs: number},
  onChange: (status: ClusterStatus) => void,
): Promise<void> {
  let previous: string | undefined
  while (!signal.aborted) {
    const status = await clusterStatus(input, {provider, signal}).catch((error) => {
      if (signal.aborted) return undefined
      throw error
    })
    if (!status) break
    const key = JSON.stringify(status)
    if (key !== previous) onChange(status)
    previous = key
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs)
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), {once: true})
    })
  }
}
