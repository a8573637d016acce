// Everything about a new cluster that follows from its spec and a few facts
// of the machine: names, roles, fixed addresses, published ports, mounts,
// labels, taints, and what kubeadm is asked for. Pure, so it is tested as a
// table; create then applies it.
import {API_SERVER_PORT, clientAddress} from '../config/api-server.js'
import type {ClusterSpec, Json6902PatchSpec, KubeProxyMode, MountPropagation, NodeRole, NodeSpec, PortProtocol} from '../config/cluster-spec.js'
import {InvalidInputError, type InputProblem} from '../errors/index.js'
import {addressAt, formatSubnet, overlaps, parseSubnet, subnetsOf, type Ipv4Subnet} from './ipv4.js'
import type {ProxySettings} from '../config/proxy.js'
import {DEFAULT_PROFILE, profileProblems, type ClusterProfile} from '../config/profile.js'
import {contextName, loadBalancerContainerName, loadBalancerName, networkName, nodeContainerName, nodeName} from './names.js'
import {planProxy, type PlannedProxy} from './proxy.js'

export {API_SERVER_PORT} from '../config/api-server.js'
/** Where cluster networks are carved from, in order of preference. */
export const NODE_SUBNET_POOLS = ['172.30.0.0/16', '10.240.0.0/16']
export const NODE_SUBNET_PREFIX = 24
// Fixed places in a cluster's /24: the gateway is .1, the load balancer .2,
// control planes from .10, workers from .100. A node keeps its address for life.
const LOAD_BALANCER_OFFSET = 2
const CONTROL_PLANE_OFFSET = 10
const WORKER_OFFSET = 100
export const MAX_CONTROL_PLANES = WORKER_OFFSET - CONTROL_PLANE_OFFSET
export const MAX_WORKERS = 254 - WORKER_OFFSET + 1
const CONTROL_PLANE_TAINT: Taint = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}

/** What a plan needs from the engine: the subnets in use and free host ports. */
export interface PlanFacts {
  /** Subnets of existing Docker networks and host routes: the cluster network must not overlap them. */
  subnetsInUse: string[]
  /**
   * A free host port for the API server, used when the spec leaves the choice to kcluster (port 0).
   * Absent or 0 (a dry run): not known yet, and the plan says port 0, "chosen at create".
   */
  freeApiServerPort?: number
  /**
   * Free host ports for the extra port mappings whose hostPort is 0, in the order of hostPortsToChoose(spec).
   * Absent (a dry run): those stay 0, "chosen at create".
   */
  freeHostPorts?: number[]
  /** The proxy of the environment create runs in (HTTP_PROXY, HTTPS_PROXY, NO_PROXY). */
  proxy?: ProxySettings
}

export interface PortMapping {
  hostAddress: string
  /** 0 only in a plan made without facts (a dry run): chosen at create. */
  hostPort: number
  containerPort: number
  protocol: PortProtocol
  /** The spec field that asked for it, for messages about it. */
  field?: string
}

export interface Mount {
  hostPath: string
  containerPath: string
  readOnly: boolean
  /** As Docker's bind propagation: None = private, HostToContainer = rslave, Bidirectional = rshared. */
  propagation: MountPropagation
  /** Relabel the host path for SELinux (Docker's :z). */
  selinuxRelabel: boolean
}

/** Patches of kubeadm's documents, each with the config field it came from (for errors). */
export interface KubeadmPatches {
  merge: {field: string; patch: string}[]
  json6902: {field: string; patch: Json6902PatchSpec}[]
}

export interface Taint {
  key: string
  value?: string
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'
}

/** One node as planned: names, address, image, ports, mounts, labels, taints and how it bootstraps. */
export interface PlannedNode {
  /** Kubernetes node name and host name. */
  name: string
  containerName: string
  role: NodeRole
  /** Position among the nodes of its role, from 0. */
  index: number
  /** How it becomes part of the cluster: the first control plane initialises it, the rest join. */
  bootstrap: 'init' | 'join-control-plane' | 'join-worker'
  /** Node image named for this node alone; the cluster's image otherwise. */
  image?: string
  ipv4: string
  ports: PortMapping[]
  mounts: Mount[]
  taints: Taint[]
  labels: Record<string, string>
  /** This node's own kubeadm patches, applied after the cluster's. */
  kubeadmPatches: KubeadmPatches
}

export interface PlannedLoadBalancer {
  name: string
  containerName: string
  ipv4: string
  ports: PortMapping[]
}

/** Every name, address, port and node of a cluster, computed without I/O. */
export interface ClusterPlan {
  name: string
  contextName: string
  /** What backs the API server: default: etcd as kubeadm runs it; light: kine on SQLite in the one control plane. */
  profile: ClusterProfile
  network: {name: string; subnet: string; gateway: string}
  nodes: PlannedNode[]
  /** In front of the API servers when there are two control planes or more. */
  loadBalancer?: PlannedLoadBalancer
  apiServer: {
    /** Published on the host here. */
    hostAddress: string
    hostPort: number
    /** What kubectl on the host uses. */
    server: string
    /** How nodes reach it on the cluster network (host:port), and the name its certificate must cover. */
    endpoint: string
    endpointHost: string
    /** The same by address, for pods that must reach the API server before cluster DNS or kube-proxy serve. */
    endpointIpv4: string
  }
  podSubnet: string
  serviceSubnet: string
  /** The `kubernetes` Service: the first address of the service subnet. */
  kubernetesServiceIp: string
  /** Cluster DNS: the tenth address of the service subnet, as kubeadm assigns it. */
  clusterDnsIp: string
  /** none: kube-proxy is not installed. */
  kubeProxyMode: KubeProxyMode
  /** Create leaves the pod network out. */
  disableDefaultCNI: boolean
  /** Search domains of the nodes' resolv.conf; undefined: the host's. */
  dnsSearch?: string[]
  featureGates: Record<string, boolean>
  runtimeConfig: Record<string, string>
  /** Patches of every node's kubeadm documents. */
  kubeadmPatches: KubeadmPatches
  /** Patches of every node's containerd configuration: TOML merge patches and RFC 6902 patches. */
  containerdPatches: {merge: string[]; json6902: string[]}
  /** What every node's environment (containerd, kubelet, kubeadm and so the control-plane pods) gets; absent without a proxy. */
  proxy?: PlannedProxy
}

/** Plans a cluster from its spec and the facts, purely. */
export function planCluster(spec: ClusterSpec, facts: PlanFacts): ClusterPlan {
  const problems: InputProblem[] = []
  const podSubnet = requireSubnet(spec.networking.podSubnet, 'networking.podSubnet', problems)
  const serviceSubnet = requireSubnet(spec.networking.serviceSubnet, 'networking.serviceSubnet', problems)
  const controlPlanes = spec.nodes.filter((n) => n.role === 'control-plane').length
  const workers = spec.nodes.length - controlPlanes
  if (controlPlanes === 0) problems.push({field: 'nodes', message: 'must have at least one node with role control-plane'})
  if (controlPlanes > MAX_CONTROL_PLANES) problems.push({field: 'nodes', message: `must have at most ${MAX_CONTROL_PLANES} control-plane nodes (got ${controlPlanes})`})
  if (workers > MAX_WORKERS) problems.push({field: 'nodes', message: `must have at most ${MAX_WORKERS} worker nodes (got ${workers})`})
  if (podSubnet && serviceSubnet && overlaps(podSubnet, serviceSubnet)) {
    problems.push({field: 'networking.serviceSubnet', message: `${spec.networking.serviceSubnet} overlaps networking.podSubnet ${spec.networking.podSubnet}`})
  }
  problems.push(...duplicateHostBinds(spec))
  problems.push(...profileProblems(spec.profile, spec.nodes))
  const toChoose = hostPortsToChoose(spec)
  if (facts.freeHostPorts !== undefined && facts.freeHostPorts.length < toChoose.length) {
    throw new Error(`plan: ${toChoose.length} free host ports needed, ${facts.freeHostPorts.length} given`)
  }
  if (problems.length > 0) throw new InvalidInputError(problems)

  const nodeSubnet = chooseNodeSubnet([...facts.subnetsInUse, spec.networking.podSubnet, spec.networking.serviceSubnet])
  const hostAddress = spec.networking.apiServerAddress
  const hostPort = spec.networking.apiServerPort || facts.freeApiServerPort || 0
  const apiPort: PortMapping = {hostAddress, hostPort, containerPort: API_SERVER_PORT, protocol: 'tcp', field: 'networking.apiServerPort'}
  const loadBalanced = controlPlanes > 1
  const chosenPorts = [...(facts.freeHostPorts ?? [])]

  const seen: Record<NodeRole, number> = {'control-plane': 0, worker: 0}
  const nodes = spec.nodes.map((node, nodeIndex): PlannedNode => {
    const index = seen[node.role]++
    const isControlPlane = node.role === 'control-plane'
    const first = isControlPlane && index === 0
    const planned: PlannedNode = {
      name: nodeName(spec.name, node.role, index),
      containerName: nodeContainerName(spec.name, node.role, index),
      role: node.role,
      index,
      bootstrap: first ? 'init' : isControlPlane ? 'join-control-plane' : 'join-worker',
      ipv4: addressAt(nodeSubnet, (isControlPlane ? CONTROL_PLANE_OFFSET : WORKER_OFFSET) + index),
      ports: [
        ...(first && !loadBalanced ? [apiPort] : []),
        ...(node.extraPortMappings ?? []).map((m, i): PortMapping => ({
          hostAddress: m.listenAddress,
          hostPort: m.hostPort || (facts.freeHostPorts ? chosenPorts.shift()! : 0),
          containerPort: m.containerPort,
          protocol: m.protocol,
          field: `nodes[${nodeIndex}].extraPortMappings[${i}].hostPort`,
        })),
      ],
      mounts: (node.extraMounts ?? []).map(({hostPath, containerPath, readOnly, propagation, selinuxRelabel}) => ({hostPath, containerPath, readOnly, propagation, selinuxRelabel})),
      // A lone control plane runs the workloads too; beside workers it keeps its taint.
      taints: isControlPlane && workers > 0 ? [CONTROL_PLANE_TAINT] : [],
      labels: {...(isControlPlane ? {} : {'node-role.kubernetes.io/worker': ''}), ...node.labels},
      kubeadmPatches: kubeadmPatchesOf(node, `nodes[${nodeIndex}].`),
    }
    if (node.image !== undefined) planned.image = node.image
    return planned
  })

  const loadBalancer: PlannedLoadBalancer | undefined = loadBalanced
    ? {name: loadBalancerName(spec.name), containerName: loadBalancerContainerName(spec.name), ipv4: addressAt(nodeSubnet, LOAD_BALANCER_OFFSET), ports: [apiPort]}
    : undefined
  const initNode = nodes.find((n) => n.bootstrap === 'init')!
  const endpointHost = loadBalancer?.name ?? initNode.name
  const endpointIpv4 = loadBalancer?.ipv4 ?? initNode.ipv4
  const network = {name: networkName(spec.name), subnet: formatSubnet(nodeSubnet), gateway: addressAt(nodeSubnet, 1)}
  const members = [...(loadBalancer ? [loadBalancer] : []), ...nodes]
  const proxy = facts.proxy && planProxy(facts.proxy, {podSubnet: spec.networking.podSubnet, serviceSubnet: spec.networking.serviceSubnet, networkSubnet: network.subnet, members})

  return {
    name: spec.name,
    contextName: contextName(spec.name),
    profile: spec.profile ?? DEFAULT_PROFILE,
    network,
    nodes,
    ...(loadBalancer ? {loadBalancer} : {}),
    apiServer: {hostAddress, hostPort, server: `https://${clientAddress(hostAddress)}:${hostPort}`, endpoint: `${endpointHost}:${API_SERVER_PORT}`, endpointHost, endpointIpv4},
    podSubnet: spec.networking.podSubnet,
    serviceSubnet: spec.networking.serviceSubnet,
    kubernetesServiceIp: addressAt(serviceSubnet!, 1),
    clusterDnsIp: addressAt(serviceSubnet!, 10),
    kubeProxyMode: spec.networking.kubeProxyMode ?? 'iptables',
    disableDefaultCNI: spec.networking.disableDefaultCNI ?? false,
    ...(spec.networking.dnsSearch ? {dnsSearch: spec.networking.dnsSearch} : {}),
    featureGates: spec.featureGates ?? {},
    runtimeConfig: spec.runtimeConfig ?? {},
    kubeadmPatches: kubeadmPatchesOf(spec, ''),
    containerdPatches: {merge: spec.containerdConfigPatches ?? [], json6902: spec.containerdConfigPatchesJSON6902 ?? []},
    ...(proxy ? {proxy} : {}),
  }
}

function kubeadmPatchesOf(owner: Pick<NodeSpec, 'kubeadmConfigPatches' | 'kubeadmConfigPatchesJSON6902'>, prefix: string): KubeadmPatches {
  return {
    merge: (owner.kubeadmConfigPatches ?? []).map((patch, i) => ({field: `${prefix}kubeadmConfigPatches[${i}]`, patch})),
    json6902: (owner.kubeadmConfigPatchesJSON6902 ?? []).map((patch, i) => ({field: `${prefix}kubeadmConfigPatchesJSON6902[${i}]`, patch})),
  }
}

/** The extra port mappings whose host port create chooses (hostPort 0), in the order PlanFacts.freeHostPorts answers them. */
export function hostPortsToChoose(spec: ClusterSpec): {field: string; listenAddress: string; protocol: PortProtocol}[] {
  return spec.nodes.flatMap((node, n) =>
    (node.extraPortMappings ?? []).flatMap((m, i) => (m.hostPort === 0 ? [{field: `nodes[${n}].extraPortMappings[${i}].hostPort`, listenAddress: m.listenAddress, protocol: m.protocol}] : [])),
  )
}

const EVERY_ADDRESS = new Set(['0.0.0.0', '::', ''])

/** Two mappings of one host port and protocol collide when their addresses are equal or either is every address. */
function duplicateHostBinds(spec: ClusterSpec): InputProblem[] {
  const binds: {field: string; owner: string; address: string; port: number; protocol: PortProtocol}[] = []
  if (spec.networking.apiServerPort !== 0) {
    binds.push({field: 'networking.apiServerPort', owner: 'the API server (networking.apiServerPort)', address: spec.networking.apiServerAddress, port: spec.networking.apiServerPort, protocol: 'tcp'})
  }
  for (const [n, node] of spec.nodes.entries()) {
    for (const [i, m] of (node.extraPortMappings ?? []).entries()) {
      if (m.hostPort !== 0) binds.push({field: `nodes[${n}].extraPortMappings[${i}].hostPort`, owner: `nodes[${n}].extraPortMappings[${i}]`, address: m.listenAddress, port: m.hostPort, protocol: m.protocol})
    }
  }
  const problems: InputProblem[] = []
  for (const [index, bind] of binds.entries()) {
    const earlier = binds.slice(0, index).find((b) => b.port === bind.port && b.protocol === bind.protocol && (b.address === bind.address || EVERY_ADDRESS.has(b.address) || EVERY_ADDRESS.has(bind.address)))
    if (earlier) problems.push({field: bind.field, message: `${bind.port}/${bind.protocol} on ${bind.address} is already published by ${earlier.owner} on ${earlier.address}`})
  }
  return problems
}

function requireSubnet(text: string, field: string, problems: InputProblem[]): Ipv4Subnet | undefined {
  const subnet = parseSubnet(text)
  if (!subnet) problems.push({field, message: `must be an IPv4 subnet in CIDR form with no host bits set, e.g. 10.244.0.0/16 (got ${JSON.stringify(text)})`})
  else if (subnet.prefix > 28) problems.push({field, message: `${text} is too small: use a /28 or larger`})
  return subnet
}

/** The first /24 of the pools that overlaps nothing in use. */
export function chooseNodeSubnet(inUse: string[]): Ipv4Subnet {
  const taken = inUse.map(parseSubnet).filter((s): s is Ipv4Subnet => s !== undefined)
  for (const pool of NODE_SUBNET_POOLS) {
    for (const candidate of subnetsOf(parseSubnet(pool)!, NODE_SUBNET_PREFIX)) {
      if (!taken.some((t) => overlaps(t, candidate))) return candidate
    }
  }
  throw new InvalidInputError([
    {field: 'networking', message: `no free /${NODE_SUBNET_PREFIX} subnet is left in ${NODE_SUBNET_POOLS.join(' or ')} for the cluster network; remove unused Docker networks (\`docker network prune\`) or clusters`},
  ])
}
