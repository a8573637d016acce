// `kcluster port add|remove|list`: host ports of a cluster that lives for
// days, added and removed without restarting a node. Each added port is a
// front container on the cluster network (see src/provider/docker/ports.ts);
// what is published lives in labels only.
import {ClusterMissingError, HostPortError, InternalError, InvalidInputError} from '../errors/index.js'
import {nearestName} from '../config/nearest-name.js'
import {portFrontContainerName} from '../plan/names.js'
import {bindsCollide, chooseFrontAddress, FRONT_HIGHEST_OFFSET, FRONT_LOWEST_OFFSET, parseFrontProtocol, parseHostPort, parseListenAddress, parsePortMapping, type FrontProtocol} from '../plan/ports.js'
import type {StepContext} from '../progress/step.js'
import type {ClusterPort, Node, Provider} from '../provider/types.js'
import {clusterImagesFrom} from './cluster-images.js'
import type {ClusterImages} from './create-context.js'

export const DEFAULT_LISTEN_ADDRESS = '127.0.0.1'

/** What the port calls run with: the engine, the image of the port front, progress lines and a signal. */
export interface PortDependencies {
  provider: Provider
  /** Where the front's image comes from (the load balancer's image, which carries socat); default: built from its recipe. */
  images?: Pick<ClusterImages, 'ensureLoadBalancer'>
  onProgress?: (message: string) => void
  signal?: AbortSignal
}

/** The host ports a cluster publishes. */
export interface PortListResult {
  cluster: string
  ports: ClusterPort[]
}

/** The host port `port add` published, and where it forwards to. */
export interface PortAddResult {
  cluster: string
  port: ClusterPort & {source: 'port add'}
  /** Where the front sends what arrives: the node's address on the cluster network. */
  target: string
}

/** The host port `port remove` stopped publishing, if one matched. */
export interface PortRemoveResult {
  cluster: string
  /** false: no added port matched, nothing was done. */
  removed: boolean
  port?: ClusterPort
}

// A concurrent `port add` may take the address chosen a moment earlier.
const ADDRESS_ATTEMPTS = 5

async function nodesOf(provider: Provider, cluster: string): Promise<Node[]> {
  await provider.ping()
  const nodes = await provider.listNodes(cluster)
  if (nodes.length === 0) throw new ClusterMissingError(cluster)
  return nodes
}

/** The node asked for by its Kubernetes name, else the first control plane. */
export function chooseTargetNode(nodes: readonly Pick<Node, 'name' | 'role'>[], wanted?: string): string {
  if (wanted === undefined) {
    const controlPlanes = nodes.filter((n) => n.role === 'control-plane').map((n) => n.name).sort()
    const first = controlPlanes[0] ?? [...nodes.map((n) => n.name)].sort()[0]
    if (first === undefined) throw new InternalError('a cluster without nodes has no node to forward to')
    return first
  }
  if (nodes.some((n) => n.name === wanted)) return wanted
  const names = nodes.map((n) => n.name).sort()
  const near = nearestName(wanted, names)
  throw new InvalidInputError([{field: '--node', message: `no node ${JSON.stringify(wanted)} in the cluster${near ? `; did you mean ${near}?` : ''} (nodes: ${names.join(', ')})`}])
}

function describePort(port: Pick<ClusterPort, 'hostAddress' | 'hostPort' | 'protocol'>): string {
  return `${port.hostAddress}:${port.hostPort}/${port.protocol}`
}

/** Why a wanted host port cannot be added next to the cluster's own ports, or undefined. */
export function portConflict(cluster: string, existing: readonly ClusterPort[], wanted: {hostAddress: string; hostPort: number; protocol: FrontProtocol}): HostPortError | undefined {
  const clash = existing.find((p) => bindsCollide(p, wanted))
  if (!clash) return undefined
  const details = {port: wanted, publishedBy: clash}
  if (clash.source === 'port add') {
    return new HostPortError(
      `host port ${describePort(wanted)} is already forwarded to ${clash.node}:${clash.nodePort} (${describePort(clash)}, added by \`kcluster port add\`)`,
      `Remove it first with \`kcluster port remove ${clash.hostPort} --name ${cluster} --listen ${clash.hostAddress} --protocol ${clash.protocol}\`, or choose another host port.`,
      details,
    )
  }
  return new HostPortError(
    `host port ${describePort(wanted)} is already published by ${clash.container} (${describePort(clash)} → container port ${clash.containerPort}, since create)`,
    'Choose another host port.',
    details,
  )
}

export async function listPorts(input: {name: string}, {provider}: PortDependencies): Promise<PortListResult> {
  await provider.ping()
  const [nodes, ports] = await Promise.all([provider.listNodes(input.name), provider.listPorts(input.name)])
  if (nodes.length === 0 && ports.length === 0) throw new ClusterMissingError(input.name)
  return {cluster: input.name, ports}
}

export async function addPort(
  input: {name: string; mapping: string; node?: string; listen?: string; protocol?: string},
  {provider, images = clusterImagesFrom(provider), onProgress = () => {}, signal = new AbortController().signal}: PortDependencies,
): Promise<PortAddResult> {
  const {hostPort, nodePort} = parsePortMapping(input.mapping)
  const hostAddress = parseListenAddress(input.listen ?? DEFAULT_LISTEN_ADDRESS)
  const protocol = parseFrontProtocol(input.protocol ?? 'tcp')
  const nodes = await nodesOf(provider, input.name)
  const nodeName = chooseTargetNode(nodes, input.node)
  const node = nodes.find((n) => n.name === nodeName)!
  const wanted = {hostAddress, hostPort, protocol}

  // Everything that can be refused is refused before anything is created.
  const conflict = portConflict(input.name, await provider.listPorts(input.name), wanted)
  if (conflict) throw conflict
  const holder = await provider.portHolder({...wanted, containerPort: nodePort})
  if (holder !== undefined) {
    throw new HostPortError(`host port ${describePort(wanted)} is already in use by ${holder}`, 'Free it or choose another host port.', {port: wanted, holder})
  }

  onProgress('ensuring the port front image')
  const step: StepContext = {report: onProgress, signal}
  const image = (await images.ensureLoadBalancer(step)).reference
  signal.throwIfAborted()

  const containerName = portFrontContainerName(input.name, wanted)
  for (let attempt = 1; ; attempt++) {
    const network = await provider.clusterNetwork(input.name)
    if (!network) throw new ClusterMissingError(input.name)
    const ipv4 = chooseFrontAddress(network.subnet, [...network.addressesInUse, ...nodes.map((n) => n.ipv4)])
    if (!ipv4) {
      throw new HostPortError(
        `no address is left for another port on ${network.name} (${network.subnet}): offsets .${FRONT_LOWEST_OFFSET}–.${FRONT_HIGHEST_OFFSET} are all in use`,
        `Remove ports you no longer need (\`kcluster port list --name ${input.name}\`).`,
      )
    }
    onProgress(`starting ${containerName} at ${ipv4}`)
    const outcome = await provider.provisionPortFront({cluster: input.name, containerName, image, network: network.name, ipv4, ...wanted, node: node.name, nodeAddress: node.ipv4, nodePort})
    if (outcome === 'started') {
      return {
        cluster: input.name,
        port: {...wanted, node: node.name, nodePort, source: 'port add', container: containerName, state: 'running'},
        target: `${node.ipv4}:${nodePort}`,
      }
    }
    // Another `port add` of the same port won the race.
    if (outcome === 'name-taken') throw portConflict(input.name, await provider.listPorts(input.name), wanted) ?? new HostPortError(`host port ${describePort(wanted)} is being added by another kcluster`, 'Run `kcluster port list` to see it.')
    if (attempt === ADDRESS_ATTEMPTS) throw new HostPortError(`every address tried for the port front on ${network.name} was taken meanwhile (last: ${ipv4})`, 'Run the command again.')
  }
}

export async function removePort(input: {name: string; hostPort: string | number; listen?: string; protocol?: string}, {provider}: PortDependencies): Promise<PortRemoveResult> {
  const hostPort = typeof input.hostPort === 'number' ? input.hostPort : parseHostPort(input.hostPort)
  const hostAddress = input.listen === undefined ? undefined : parseListenAddress(input.listen)
  const protocol = parseFrontProtocol(input.protocol ?? 'tcp')
  const {ports} = await listPorts({name: input.name}, {provider})
  // Without --listen, the port on whichever address it was published.
  const matching = ports.filter((p) => p.hostPort === hostPort && p.protocol === protocol && (hostAddress === undefined || p.hostAddress === hostAddress))
  if (matching.length > 1) {
    throw new InvalidInputError([{field: '--listen', message: `host port ${hostPort}/${protocol} is published on ${matching.map((p) => p.hostAddress).join(' and ')}; say which with --listen`}])
  }
  const port = matching[0]
  if (!port) return {cluster: input.name, removed: false}
  if (port.source === 'create') {
    throw new HostPortError(
      `host port ${describePort(port)} was published at create and is part of the node container ${port.container}; Docker cannot unpublish a port of an existing container`,
      `Keep it, or create the cluster again without it (\`kcluster delete --name ${input.name}\`, then \`kcluster create\`); ports added with \`kcluster port add\` can be removed.`,
      {port},
    )
  }
  const removed = await provider.removePortFront(port.container)
  return {cluster: input.name, removed, ...(removed ? {port} : {})}
}
