// `kcluster get kubeconfig` and `kcluster export kubeconfig`: the cluster's
// admin credentials, read again from a control-plane node, either printed or
// merged into a kubeconfig file by the same code create uses.
import {ClusterMissingError, NodeNotRunningError} from '../errors/index.js'
import {mergeKubeconfig, parseAdminKubeconfig, renderKubeconfig, resolveKubeconfigPath, type ClusterAccess} from '../kubeconfig/index.js'
import {contextName} from '../plan/names.js'
import type {ClusterSummary, Provider} from '../provider/types.js'
import {ADMIN_KUBECONFIG} from './kubectl.js'

/** A cluster's kubeconfig as text, read from its control plane. */
export interface GetKubeconfigResult {
  name: string
  context: string
  server: string
  /** The server is the address on the cluster's Docker network, not the host's. */
  internal: boolean
  /** The kubeconfig itself (YAML). */
  kubeconfig: string
}

/** Which kubeconfig file got the context back, and that it is current. */
export interface ExportKubeconfigResult {
  name: string
  context: string
  server: string
  /** The file the context was merged into. */
  kubeconfig: string
}

/**
 * The cluster's access as create wrote it: the host's published endpoint, or
 * with `internal` the endpoint kubeadm was given (load balancer or first
 * control plane, port 6443), which the API server's certificate covers and
 * containers on the cluster network resolve.
 */
export async function clusterAccess(name: string, internal: boolean, provider: Provider): Promise<ClusterAccess> {
  await provider.ping()
  const cluster = (await provider.listClusters()).find((c) => c.name === name)
  if (!cluster || cluster.nodes.length === 0) throw new ClusterMissingError(name)
  const admin = parseAdminKubeconfig((await readAdminConf(name, cluster, provider)).stdout)
  const server = internal ? admin.server : cluster.server
  // No published endpoint: the node that publishes the API server is not running.
  if (server === undefined) throw new NodeNotRunningError(cluster.loadBalancer?.containerName ?? cluster.nodes[0]!.containerName, {status: cluster.loadBalancer?.state ?? cluster.nodes[0]!.state})
  return {contextName: contextName(name), server, certificateAuthorityData: admin.certificateAuthorityData, clientCertificateData: admin.clientCertificateData, clientKeyData: admin.clientKeyData}
}

/** admin.conf from the first control plane that runs. */
async function readAdminConf(name: string, cluster: ClusterSummary, provider: Provider) {
  const running = new Set(cluster.nodes.filter((n) => n.state === 'running').map((n) => n.name))
  const controlPlanes = (await provider.listNodes(name)).filter((n) => n.role === 'control-plane')
  const node = controlPlanes.find((n) => running.has(n.name)) ?? controlPlanes[0]
  if (!node) throw new ClusterMissingError(name)
  // A stopped one raises NodeNotRunningError, naming it and its state.
  return node.exec(['cat', ADMIN_KUBECONFIG])
}

export async function getKubeconfig(input: {name: string; internal?: boolean}, {provider}: {provider: Provider}): Promise<GetKubeconfigResult> {
  const internal = input.internal ?? false
  const access = await clusterAccess(input.name, internal, provider)
  return {name: input.name, context: access.contextName, server: access.server, internal, kubeconfig: renderKubeconfig(access)}
}

/** Merges the context again, as create does: under the lock, atomically, other contexts untouched, made current. */
export async function exportKubeconfig(input: {name: string; kubeconfig?: string}, {provider}: {provider: Provider}): Promise<ExportKubeconfigResult> {
  const file = resolveKubeconfigPath(input.kubeconfig)
  const access = await clusterAccess(input.name, false, provider)
  await mergeKubeconfig(file, access, {setCurrent: true})
  return {name: input.name, context: access.contextName, server: access.server, kubeconfig: file}
}
