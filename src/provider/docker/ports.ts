// Ports after create. Docker cannot publish a new port on a running
// container, so each added port gets a small front container of its own on
// the cluster network: it publishes the host port and forwards, with socat,
// to the node's address. Its labels say everything `port list` shows.
import type Docker from 'dockerode'
import {ADDON_CONTAINER_LABEL, CLUSTER_LABEL, KIND_LABEL, NODE_NAME_LABEL, PORT_LABELS, clusterLabels} from '../labels.js'
import type {ClusterNetwork, ClusterPort, PortFrontSpec} from '../types.js'
import {classifyDockerError, dockerCall, dockerMessage, isConflict, isNotFound} from './errors.js'
import {containerNameOf} from './container-info.js'

// A UDP child of socat serves one peer and would otherwise live for ever; TCP
// connections (watches, websockets) may be idle for long and stay open.
const UDP_IDLE_SECONDS = 60

export function portFrontContainerSpec(spec: PortFrontSpec): Docker.ContainerCreateOptions {
  // Inside its container the front listens on the node port: `docker ps` then reads host port → node port.
  const key = `${spec.nodePort}/${spec.protocol}`
  const forward =
    spec.protocol === 'udp'
      ? ['-T', String(UDP_IDLE_SECONDS), `UDP4-LISTEN:${spec.nodePort},fork,reuseaddr`, `UDP4:${spec.nodeAddress}:${spec.nodePort}`]
      : [`TCP4-LISTEN:${spec.nodePort},fork,reuseaddr`, `TCP4:${spec.nodeAddress}:${spec.nodePort}`]
  return {
    name: spec.containerName,
    Image: spec.image,
    Entrypoint: ['/usr/bin/socat'],
    Cmd: forward,
    // socat as PID 1 has no handler for SIGTERM, so `stop` would wait out its whole timeout; a stateless forwarder loses nothing to SIGKILL.
    StopSignal: 'SIGKILL',
    Labels: clusterLabels(spec.cluster, 'port', {
      [PORT_LABELS.hostAddress]: spec.hostAddress,
      [PORT_LABELS.hostPort]: String(spec.hostPort),
      [PORT_LABELS.protocol]: spec.protocol,
      [PORT_LABELS.node]: spec.node,
      [PORT_LABELS.nodeAddress]: spec.nodeAddress,
      [PORT_LABELS.nodePort]: String(spec.nodePort),
      ...(spec.addon ? {[ADDON_CONTAINER_LABEL]: spec.addon} : {}),
    }),
    ExposedPorts: {[key]: {}},
    HostConfig: {
      NetworkMode: spec.network,
      PortBindings: {[key]: [{HostIp: spec.hostAddress, HostPort: String(spec.hostPort)}]},
      // A port added for a cluster that lives for days survives a restart of the engine, until removed.
      RestartPolicy: {Name: 'unless-stopped'},
    },
    // A fixed address: one from the engine's pool could be a stopped node's, which then could not start.
    NetworkingConfig: {EndpointsConfig: {[spec.network]: {IPAMConfig: {IPv4Address: spec.ipv4}}}},
  }
}

/** The port a front publishes, read from its labels; undefined when they are not a front's. */
export function frontPortOf(container: string, state: string, labels: Record<string, string>): ClusterPort | undefined {
  const hostPort = Number(labels[PORT_LABELS.hostPort])
  const nodePort = Number(labels[PORT_LABELS.nodePort])
  const protocol = labels[PORT_LABELS.protocol]
  if (!Number.isInteger(hostPort) || !Number.isInteger(nodePort) || (protocol !== 'tcp' && protocol !== 'udp')) return undefined
  const addon = labels[ADDON_CONTAINER_LABEL]
  return {hostAddress: labels[PORT_LABELS.hostAddress] ?? '', hostPort, protocol, node: labels[PORT_LABELS.node] ?? '', nodePort, source: 'port add', container, state, ...(addon ? {addon} : {})}
}

/** The ports a node or load balancer container was created with, from its pinned bindings ("30080/tcp" → [{HostIp, HostPort}]). */
export function createdPortsOf(container: string, node: string, state: string, bindings: Docker.PortMap | undefined): ClusterPort[] {
  return Object.entries(bindings ?? {}).flatMap(([key, hosts]) => {
    const [port, protocol = 'tcp'] = key.split('/')
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') return []
    return (hosts ?? []).map((host): ClusterPort => ({hostAddress: host.HostIp || '0.0.0.0', hostPort: Number(host.HostPort), protocol, node, containerPort: Number(port), source: 'create', container, state}))
  })
}

export function sortPorts(ports: ClusterPort[]): ClusterPort[] {
  return ports.sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol) || a.hostAddress.localeCompare(b.hostAddress))
}

const nameOf = containerNameOf

export async function listClusterPorts(docker: Docker, cluster: string): Promise<ClusterPort[]> {
  return dockerCall(`list the ports of ${cluster}`, async () => {
    const containers = await docker.listContainers({all: true, filters: {label: [`${CLUSTER_LABEL}=${cluster}`]}})
    const ports = await Promise.all(
      containers.map(async (c): Promise<ClusterPort[]> => {
        const kind = c.Labels[KIND_LABEL]
        if (kind === 'port') return [frontPortOf(nameOf(c), c.State, c.Labels)].filter((p): p is ClusterPort => p !== undefined)
        if (kind !== 'node' && kind !== 'load-balancer') return []
        // The list shows published ports of running containers only; the pinned bindings hold for a stopped one too.
        const inspected = await docker.getContainer(c.Id).inspect().catch((error) => {
          if (isNotFound(error)) return undefined
          throw error
        })
        return inspected ? createdPortsOf(nameOf(c), c.Labels[NODE_NAME_LABEL] ?? nameOf(c), c.State, inspected.HostConfig.PortBindings as Docker.PortMap) : []
      }),
    )
    return sortPorts(ports.flat())
  })
}

export async function clusterNetworkOf(docker: Docker, cluster: string): Promise<ClusterNetwork | undefined> {
  return dockerCall(`inspect the network of ${cluster}`, async () => {
    const [network] = await docker.listNetworks({filters: {label: [`${CLUSTER_LABEL}=${cluster}`, `${KIND_LABEL}=network`]}})
    const subnet = network?.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'))?.Subnet
    if (!network || !subnet) return undefined
    // Every container on it, kcluster's or not, stopped ones too: a stopped container takes its fixed address back on start.
    const containers = await docker.listContainers({all: true, filters: {network: [network.Name]}})
    const addresses = containers.flatMap((c) => {
      const endpoint = c.NetworkSettings?.Networks?.[network.Name]
      return [endpoint?.IPAMConfig?.IPv4Address, endpoint?.IPAddress].filter((a): a is string => !!a)
    })
    return {name: network.Name, subnet, addressesInUse: [...new Set(addresses)]}
  })
}

export async function provisionPortFront(docker: Docker, spec: PortFrontSpec): Promise<'started' | 'address-taken' | 'name-taken'> {
  let container: Docker.Container
  try {
    container = await docker.createContainer(portFrontContainerSpec(spec))
  } catch (error) {
    if (isConflict(error)) return 'name-taken'
    throw classifyDockerError(error, `create the port front ${spec.containerName}`)
  }
  try {
    await container.start()
    return 'started'
  } catch (error) {
    await container.remove({force: true}).catch(() => {})
    // The engine's words for a fixed address another container took meanwhile (a host port in use names its bind).
    if (/^address already in use$/i.test(dockerMessage(error))) return 'address-taken'
    throw classifyDockerError(error, `start the port front ${spec.containerName}`)
  }
}

export async function removePortFront(docker: Docker, containerName: string): Promise<boolean> {
  try {
    await docker.getContainer(containerName).remove({force: true})
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw classifyDockerError(error, `remove the port front ${containerName}`)
  }
}
