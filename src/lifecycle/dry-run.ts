// `create --dry-run`: the validated plan, as create would start from it,
// without asking Docker anything. What only the machine can tell at create
// (the free subnet, free host ports, the version an image carries) is said so.
import {formatLabels} from '../config/cluster-labels.js'
import {formatDuration} from '../config/duration.js'
import type {ConfigWarning} from '../config/load-config.js'
import type {ClusterProfile} from '../config/profile.js'
import {redactProxyUrl} from '../config/proxy.js'
import type {KubeProxyMode, NodeRole, PortProtocol} from '../config/cluster-spec.js'
import {NODE_SUBNET_POOLS, type Mount, type PlannedNode, type PortMapping, type Taint} from '../plan/plan-cluster.js'
import type {PreparedCreate} from './prepare-create.js'

/** A host port of null is chosen at create, then pinned. */
export interface DryRunPort {
  hostAddress: string
  hostPort: number | null
  containerPort: number
  protocol: PortProtocol
  /** The config field that asked for it, when one did. */
  field?: string
}

export interface DryRunNode {
  name: string
  containerName: string
  role: NodeRole
  bootstrap: PlannedNode['bootstrap']
  /** null: the default node image. */
  image: string | null
  ipv4: string
  ports: DryRunPort[]
  mounts: Mount[]
  labels: Record<string, string>
  taints: Taint[]
}

/** What `kcluster create --dry-run` prints: the plan, with what create would choose left open. */
export interface DryRunResult {
  dryRun: true
  name: string
  context: string
  kubeconfig: string
  /** The cluster's node image; null: the default one for kubernetesVersion (tagged by a hash of its recipe, built at create when missing). */
  image: string | null
  /** null: the version the image says it carries, read at create. */
  kubernetesVersion: string | null
  /** What backs the API server: default (etcd) or light (kine on SQLite). */
  profile: ClusterProfile
  network: {name: string; subnet: string; gateway: string}
  apiServer: {hostAddress: string; hostPort: number | null; server: string | null; endpoint: string}
  loadBalancer: {name: string; containerName: string; ipv4: string; ports: DryRunPort[]} | null
  nodes: DryRunNode[]
  podSubnet: string
  serviceSubnet: string
  kubeProxyMode: KubeProxyMode
  disableDefaultCNI: boolean
  featureGates: Record<string, boolean>
  runtimeConfig: Record<string, string>
  /** What the nodes get from create's HTTP_PROXY, HTTPS_PROXY and NO_PROXY (passwords hidden); null without a proxy. */
  proxy: {httpProxy: string | null; httpsProxy: string | null; noProxy: string[]} | null
  /** Labels of the cluster's containers, networks and volumes (--label, the config file's labels). */
  clusterLabels: Record<string, string>
  /** --ttl as asked ("2h"); the expiry is counted from the claim at create. null: never expires. */
  ttl: string | null
  warnings: ConfigWarning[]
  /** What may differ at create, in words. */
  notes: string[]
}

/** The plan of a prepared create, without touching Docker. */
export function dryRunCreate(prepared: PreparedCreate): DryRunResult {
  const {spec, run, provisionalPlan: plan} = prepared
  // The default image's tag hashes every input of its recipe, which takes seconds: create works it out.
  const clusterImage = spec.image ?? null
  const ports = (list: PortMapping[]): DryRunPort[] => list.map((p) => ({...p, hostPort: p.hostPort === 0 ? null : p.hostPort}))
  const apiPort = plan.apiServer.hostPort === 0 ? null : plan.apiServer.hostPort
  const nodes = plan.nodes.map((n): DryRunNode => ({
    name: n.name,
    containerName: n.containerName,
    role: n.role,
    bootstrap: n.bootstrap,
    image: n.image ?? clusterImage,
    ipv4: n.ipv4,
    ports: ports(n.ports),
    mounts: n.mounts,
    labels: n.labels,
    taints: n.taints,
  }))
  const notes = [
    'Nothing was created, and Docker was not asked anything.',
    `Addresses assume ${plan.network.subnet} is free: create takes the first free /24 of ${NODE_SUBNET_POOLS.join(' or ')}.`,
  ]
  if (apiPort === null || nodes.some((n) => n.ports.some((p) => p.hostPort === null))) notes.push('Host ports shown as null (or <chosen at create>) are chosen at create from the free ones, then pinned.')
  if (spec.kubernetesVersion === undefined) notes.push(`The Kubernetes version is the one image ${clusterImage} says it carries, read at create.`)
  if (clusterImage === null) notes.push(`The default node image for ${spec.kubernetesVersion} is built at create when it is missing.`)
  return {
    dryRun: true,
    name: plan.name,
    context: plan.contextName,
    kubeconfig: run.kubeconfigPath,
    image: clusterImage,
    kubernetesVersion: spec.kubernetesVersion ?? null,
    profile: plan.profile,
    network: plan.network,
    apiServer: {hostAddress: plan.apiServer.hostAddress, hostPort: apiPort, server: apiPort === null ? null : plan.apiServer.server, endpoint: plan.apiServer.endpoint},
    loadBalancer: plan.loadBalancer ? {...plan.loadBalancer, ports: ports(plan.loadBalancer.ports)} : null,
    nodes,
    podSubnet: plan.podSubnet,
    serviceSubnet: plan.serviceSubnet,
    kubeProxyMode: plan.kubeProxyMode,
    disableDefaultCNI: plan.disableDefaultCNI,
    featureGates: plan.featureGates,
    runtimeConfig: plan.runtimeConfig,
    proxy: plan.proxy
      ? {httpProxy: plan.proxy.httpProxy ? redactProxyUrl(plan.proxy.httpProxy) : null, httpsProxy: plan.proxy.httpsProxy ? redactProxyUrl(plan.proxy.httpsProxy) : null, noProxy: plan.proxy.noProxy}
      : null,
    clusterLabels: spec.labels ?? {},
    ttl: run.ttlMs === undefined ? null : formatDuration(run.ttlMs),
    warnings: prepared.warnings,
    notes,
  }
}

/** The plan for a person: one block per node. */
export function describeDryRun(result: DryRunResult): string {
  const port = (p: DryRunPort) => `${p.hostAddress}:${p.hostPort ?? '<chosen at create>'}->${p.containerPort}/${p.protocol}`
  const lines = [
    `Cluster ${result.name} (dry run): ${result.nodes.length} node(s), context ${result.context} in ${result.kubeconfig}`,
    `  image       ${result.image ?? 'the default node image'}${result.kubernetesVersion ? ` (Kubernetes ${result.kubernetesVersion})` : ''}`,
    `  network     ${result.network.name} ${result.network.subnet}, pods ${result.podSubnet}, services ${result.serviceSubnet}`,
    `  API server  ${result.apiServer.hostAddress}:${result.apiServer.hostPort ?? '<chosen at create>'}, nodes reach it at ${result.apiServer.endpoint}`,
    `  datastore   ${result.profile === 'light' ? 'kine on SQLite in the control plane (profile light)' : 'etcd, a static pod on each control plane (profile default)'}`,
    `  kube-proxy  ${result.kubeProxyMode}${result.disableDefaultCNI ? ', default pod network disabled' : ''}`,
  ]
  if (Object.keys(result.featureGates).length > 0) lines.push(`  features    ${Object.entries(result.featureGates).map(([k, v]) => `${k}=${v}`).join(',')}`)
  if (Object.keys(result.clusterLabels).length > 0) lines.push(`  labels      ${formatLabels(result.clusterLabels)}`)
  if (result.ttl) lines.push(`  ttl         ${result.ttl}: \`kcluster prune\` may delete it after that`)
  if (Object.keys(result.runtimeConfig).length > 0) lines.push(`  runtime     ${Object.entries(result.runtimeConfig).map(([k, v]) => `${k}=${v}`).join(',')}`)
  if (result.proxy) {
    const proxies = [result.proxy.httpProxy && `HTTP_PROXY=${result.proxy.httpProxy}`, result.proxy.httpsProxy && `HTTPS_PROXY=${result.proxy.httpsProxy}`].filter(Boolean)
    lines.push(`  proxy       ${proxies.join(' ')}`, `              NO_PROXY=${result.proxy.noProxy.join(',')}`)
  }
  if (result.loadBalancer) lines.push(`  ${result.loadBalancer.containerName}  ${result.loadBalancer.ipv4}  ${result.loadBalancer.ports.map(port).join(' ')}`)
  for (const node of result.nodes) {
    lines.push(`  ${node.containerName}  ${node.role} (${node.bootstrap})  ${node.ipv4}${node.image === result.image ? '' : `  image ${node.image ?? 'the default'}`}`)
    if (node.ports.length > 0) lines.push(`    ports   ${node.ports.map(port).join(' ')}`)
    for (const m of node.mounts) lines.push(`    mount   ${m.hostPath} -> ${m.containerPath}${m.readOnly ? ' (read-only)' : ''}${m.propagation === 'None' ? '' : ` (${m.propagation})`}`)
    const labels = Object.entries(node.labels).map(([k, v]) => `${k}=${v}`)
    if (labels.length > 0) lines.push(`    labels  ${labels.join(' ')}`)
    if (node.taints.length > 0) lines.push(`    taints  ${node.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(' ')}`)
  }
  lines.push(...result.notes.map((note) => `Note: ${note}`))
  return lines.join('\n')
}
