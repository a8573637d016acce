// The cluster lifecycle as one call each, for programs (IDE plugins, CI
// scripts): the options are the command's flags in camelCase plus the call
// options (provider, signal, onEvent). Underneath run the very lifecycle
// functions the CLI runs, with the same progress events and typed errors.
import type {Selector} from '../config/cluster-labels.js'
import {DEFAULT_CLUSTER_NAME, DEFAULT_WAIT, type CreateOptionsInput} from '../config/cluster-options.js'
import {parseDuration} from '../config/duration.js'
import {buildNodeImage as buildNodeImageWith, type BuildNodeImageResult} from '../lifecycle/build-node-image.js'
import {clusterImagesFrom} from '../lifecycle/cluster-images.js'
import {exportKubeconfig as exportKubeconfigWith, getKubeconfig as getKubeconfigWith, type ExportKubeconfigResult, type GetKubeconfigResult} from '../lifecycle/cluster-kubeconfig.js'
import {clusterStatus as clusterStatusWith, watchStatus as watchStatusWith, type ClusterStatus} from '../lifecycle/cluster-status.js'
import {createClusterFromSpec, type CreateResult} from '../lifecycle/create-cluster.js'
import {deleteClusters as deleteClustersWith, type DeletedCluster, type DeleteResult} from '../lifecycle/delete-cluster.js'
import {doctor as doctorWith, type DoctorInput, type DoctorResult} from '../lifecycle/doctor.js'
import {exportLogs as exportLogsWith, type ExportLogsResult} from '../lifecycle/export-logs.js'
import {listClusters as listClustersWith} from '../lifecycle/list-clusters.js'
import {loadImages as loadImagesWith, type LoadImagesResult} from '../lifecycle/load-images.js'
import {addPort as addPortWith, listPorts as listPortsWith, removePort as removePortWith, type PortAddResult, type PortListResult, type PortRemoveResult} from '../lifecycle/ports.js'
import {prepareCreate} from '../lifecycle/prepare-create.js'
import {pruneClusters as pruneClustersWith, type PruneResult} from '../lifecycle/prune.js'
import type {HookOptions} from '../hooks/find-hooks.js'
import {startCluster as startClusterWith, type StartResult} from '../lifecycle/start-cluster.js'
import {stopCluster as stopClusterWith, type StopResult} from '../lifecycle/stop-cluster.js'
import type {ClusterSummary} from '../provider/types.js'
import {libraryCall, progressRunner, type CancelOptions, type EngineOptions, type MessageOptions, type ProgressOptions} from './call-options.js'

/** Which cluster a call is about (default "kcluster", as the CLI's --name). */
export interface ClusterOptions {
  /** The cluster's name; default "kcluster". */
  name?: string
}

/** Which kubeconfig file a call reads or edits. */
export interface KubeconfigOptions {
  /** Kubeconfig file; default: the first path of KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string
}

/** Which lifecycle hooks a call runs. */
export interface HooksOptions {
  /** Default: the config's hooks, then the hooks directory's, as the CLI runs them; `{directory: false}`: the config's only; `{enabled: false}`: none. */
  hooks?: HookOptions
}

/** Options of createCluster: the flags of `kcluster create`, and a loaded config file. */
export interface CreateClusterOptions extends CreateOptionsInput, ProgressOptions, HooksOptions {}

/** Creates a cluster and makes its context current; a failed or aborted create removes what it made (unless `retain`). */
export function createCluster(options: CreateClusterOptions = {}): Promise<CreateResult> {
  return libraryCall(options, async (provider, signal) => {
    const {provider: _provider, signal: _signal, onEvent: _onEvent, hooks, ...input} = options
    const {spec, run, warnings} = prepareCreate(input)
    const runner = progressRunner(options.onEvent, {operation: 'create', cluster: spec.name})
    const result = await createClusterFromSpec(spec, run, {provider, images: clusterImagesFrom(provider), runner, signal, hooks})
    return {...result, warnings}
  })
}

/** Deletes one cluster and its kubeconfig entry; a cluster that is gone already is `existed: false`, not an error. */
export async function deleteCluster(options: ClusterOptions & KubeconfigOptions & ProgressOptions & HooksOptions = {}): Promise<DeletedCluster & Omit<DeleteResult, 'deleted'>> {
  const {deleted, ...rest} = await deleteClusters({...options, names: [options.name ?? DEFAULT_CLUSTER_NAME]})
  return {...deleted[0]!, ...rest}
}

/** Which clusters a call is about, by their labels (create's `labels`). */
export interface SelectorOptions {
  /** Only clusters whose labels hold every one of these key/value pairs. */
  selector?: Selector
}

/** Options of deleteClusters: names, all, or a selector. `signal` stops their hooks; the deletion itself always finishes. */
export interface DeleteClustersOptions extends KubeconfigOptions, SelectorOptions, ProgressOptions, HooksOptions {
  names?: string[]
  /** Every kcluster cluster of the engine, whatever `names` says. */
  all?: boolean
}

/** Deletes the named clusters, or every cluster (`all`), or every one the selector matches (none matching is no error). */
export function deleteClusters(options: DeleteClustersOptions): Promise<DeleteResult> {
  return libraryCall(options, (provider, signal) => {
    const {names, all, selector, kubeconfig} = options
    const runner = progressRunner(options.onEvent, {operation: 'delete', cluster: names?.length === 1 && !all && !selector ? names[0] : undefined})
    return deleteClustersWith({names, all, selector, kubeconfig}, {provider, runner, signal, hooks: options.hooks})
  })
}

/** Every cluster of the engine (those the selector matches), with its nodes, labels and state. */
export function listClusters(options: SelectorOptions & EngineOptions = {}): Promise<ClusterSummary[]> {
  return libraryCall(options, (provider) => listClustersWith({provider}, {selector: options.selector}))
}

/** Options of pruneClusters: the flags of `kcluster prune`. */
export interface PruneClustersOptions extends KubeconfigOptions, SelectorOptions, ProgressOptions {
  /** Say what would be pruned, remove nothing. */
  dryRun?: boolean
}

/** Deletes the clusters past their `ttl` and the leftovers of creates that were killed; a create still running is left alone. */
export function pruneClusters(options: PruneClustersOptions = {}): Promise<PruneResult> {
  return libraryCall(options, (provider, signal) =>
    pruneClustersWith({dryRun: options.dryRun, selector: options.selector, kubeconfig: options.kubeconfig}, {provider, runner: progressRunner(options.onEvent, {operation: 'prune'}), signal}),
  )
}

/** What this machine offers a cluster of a given shape (`config`, or `nodes`), checked before anything is created; `ok` unless a check failed. */
export function doctor(options: DoctorInput & EngineOptions = {}): Promise<DoctorResult> {
  return libraryCall(options, (provider) => doctorWith({...(options.config ? {config: options.config} : {}), ...(options.nodes === undefined ? {} : {nodes: options.nodes})}, {provider}))
}

/** How a cluster is: health, problems, nodes, API server and kubeconfig entry; `exitCode` is `kcluster status`'s. */
export function clusterStatus(options: ClusterOptions & KubeconfigOptions & CancelOptions = {}): Promise<ClusterStatus> {
  return libraryCall(options, (provider, signal) => clusterStatusWith({name: options.name ?? DEFAULT_CLUSTER_NAME, kubeconfig: options.kubeconfig}, {provider, signal}))
}

/** Options of watchStatus: aborting `signal` is how a watch ends. */
export interface WatchStatusOptions extends ClusterOptions, KubeconfigOptions, EngineOptions {
  /** Ends the watch; the promise then resolves. */
  signal: AbortSignal
  /** How often to ask, e.g. "1s" (the default). */
  interval?: string
  /** Called with the first status and each one that differs from the one before. */
  onChange: (status: ClusterStatus) => void
}

/** Watches a cluster's status until `signal` aborts; rejects with ClusterMissingError when the cluster goes away. */
export function watchStatus(options: WatchStatusOptions): Promise<void> {
  // Aborting ends a watch normally, so the caller's signal goes in as it is, not as an interruption.
  return libraryCall({provider: options.provider}, (provider) => {
    const intervalMs = parseDuration(options.interval ?? '1s', 'interval')
    return watchStatusWith({name: options.name ?? DEFAULT_CLUSTER_NAME, kubeconfig: options.kubeconfig}, {provider, signal: options.signal, intervalMs}, options.onChange)
  })
}

/** Options of startCluster. */
export interface StartClusterOptions extends ClusterOptions, KubeconfigOptions, ProgressOptions, HooksOptions {
  /** How long to wait for Ready nodes and answering DNS, e.g. "5m" (the default); "0" does not wait. */
  wait?: string
}

/** Starts a stopped cluster, repairs what a restart breaks and waits until it answers. */
export function startCluster(options: StartClusterOptions = {}): Promise<StartResult> {
  return libraryCall(options, (provider, signal) => {
    const name = options.name ?? DEFAULT_CLUSTER_NAME
    const waitMs = parseDuration(options.wait ?? DEFAULT_WAIT, 'wait')
    return startClusterWith({name, waitMs, kubeconfig: options.kubeconfig}, {provider, runner: progressRunner(options.onEvent, {operation: 'start', cluster: name}), signal, hooks: options.hooks})
  })
}

/** Stops every container of a cluster (after its pre-stop hooks); `startCluster` brings it back. */
export function stopCluster(options: ClusterOptions & KubeconfigOptions & ProgressOptions & HooksOptions = {}): Promise<StopResult> {
  return libraryCall(options, (provider, signal) => {
    const name = options.name ?? DEFAULT_CLUSTER_NAME
    return stopClusterWith({name, kubeconfig: options.kubeconfig}, {provider, runner: progressRunner(options.onEvent, {operation: 'stop', cluster: name}), signal, hooks: options.hooks})
  })
}

/** Options of loadImages. */
export interface LoadImagesOptions extends ClusterOptions, CancelOptions, MessageOptions {
  /** Image references of the local engine, e.g. "my-app:dev". */
  images: string[]
}

/** Copies images of the local engine into every node's containerd, under the names workloads use. */
export function loadImages(options: LoadImagesOptions): Promise<LoadImagesResult> {
  return libraryCall(options, (provider, signal) => loadImagesWith({name: options.name ?? DEFAULT_CLUSTER_NAME, images: options.images}, {provider, signal, onProgress: options.onProgress}))
}

/** Options of buildNodeImage. */
export interface BuildNodeImageOptions extends ProgressOptions {
  /** Kubernetes version, e.g. "v1.34.4"; default: kcluster's default version. */
  kubernetesVersion?: string
  /** Also tag the image with this name. */
  image?: string
  /** Rebuild even when the image is up to date. */
  force?: boolean
}

/** Builds the node image of a Kubernetes version, or finds it up to date. */
export function buildNodeImage(options: BuildNodeImageOptions = {}): Promise<BuildNodeImageResult> {
  return libraryCall(options, (provider, signal) =>
    buildNodeImageWith({kubernetesVersion: options.kubernetesVersion, image: options.image, force: options.force}, {provider, runner: progressRunner(options.onEvent, {operation: 'build node-image'}), signal}),
  )
}

/** The cluster's admin kubeconfig as text (`internal`: with the address containers on its network use). */
export function getKubeconfig(options: ClusterOptions & EngineOptions & {/** The address containers on the cluster's network use, not the host's. */ internal?: boolean} = {}): Promise<GetKubeconfigResult> {
  return libraryCall(options, (provider) => getKubeconfigWith({name: options.name ?? DEFAULT_CLUSTER_NAME, internal: options.internal}, {provider}))
}

/** Merges the cluster's context into a kubeconfig file again and makes it current. */
export function exportKubeconfig(options: ClusterOptions & KubeconfigOptions & EngineOptions = {}): Promise<ExportKubeconfigResult> {
  return libraryCall(options, (provider) => exportKubeconfigWith({name: options.name ?? DEFAULT_CLUSTER_NAME, kubeconfig: options.kubeconfig}, {provider}))
}

/** Writes the cluster's logs (containers, journals, kubeadm, pods) into a .tar.gz in `directory` (default: the working directory). */
export function exportLogs(options: ClusterOptions & EngineOptions & MessageOptions & {/** Folder of the archive; default: the working directory. */ directory?: string} = {}): Promise<ExportLogsResult> {
  return libraryCall(options, (provider) => exportLogsWith({name: options.name ?? DEFAULT_CLUSTER_NAME, directory: options.directory}, {provider, onProgress: options.onProgress}))
}

/** The host ports a cluster publishes, from create and from addPort. */
export function listPorts(options: ClusterOptions & EngineOptions = {}): Promise<PortListResult> {
  return libraryCall(options, (provider) => listPortsWith({name: options.name ?? DEFAULT_CLUSTER_NAME}, {provider}))
}

/** Options of addPort: the arguments and flags of `kcluster port add`. */
export interface AddPortOptions extends ClusterOptions, CancelOptions, MessageOptions {
  /** "hostPort:nodePort", e.g. "8080:30080". */
  mapping: string
  /** The node that receives the traffic; default: the first control plane. */
  node?: string
  /** Host address to listen on; default 127.0.0.1. */
  listen?: string
  /** "tcp" (default) or "udp". */
  protocol?: string
}

/** Publishes a host port of a running cluster, forwarded to a node port, without restarting it. */
export function addPort(options: AddPortOptions): Promise<PortAddResult> {
  return libraryCall(options, (provider, signal) =>
    addPortWith({name: options.name ?? DEFAULT_CLUSTER_NAME, mapping: options.mapping, node: options.node, listen: options.listen, protocol: options.protocol}, {provider, signal, onProgress: options.onProgress}),
  )
}

/** Stops publishing a host port that addPort added; `removed: false` when none matched. */
export function removePort(options: ClusterOptions & EngineOptions & Pick<AddPortOptions, 'listen' | 'protocol'> & {hostPort: number | string}): Promise<PortRemoveResult> {
  return libraryCall(options, (provider) => removePortWith({name: options.name ?? DEFAULT_CLUSTER_NAME, hostPort: options.hostPort, listen: options.listen, protocol: options.protocol}, {provider}))
}
