// kcluster as a library: the lifecycle the CLI runs, one typed call each.
// `import {createCluster, clusterStatus, deleteCluster} from 'kcluster'` needs
// no wiring: every call takes one options object whose `provider` defaults to
// the local Docker engine, `signal` cancels it and `onEvent` receives the
// CloudEvents `--json` prints. Failures are KclusterError subclasses whose
// `code` and `exitCode` are the CLI's. This entry never loads oclif or listr2.

import {DockerProvider as DockerEngine} from './provider/docker/docker-provider.js'
import type {Provider} from './provider/types.js'

// The lifecycle, one call each.
export {
  addPort,
  buildNodeImage,
  clusterStatus,
  createCluster,
  deleteCluster,
  deleteClusters,
  doctor,
  exportKubeconfig,
  exportLogs,
  getKubeconfig,
  listClusters,
  listPorts,
  loadImages,
  pruneClusters,
  removePort,
  startCluster,
  stopCluster,
  watchStatus,
  type AddPortOptions,
  type BuildNodeImageOptions,
  type ClusterOptions,
  type CreateClusterOptions,
  type DeleteClustersOptions,
  type HooksOptions,
  type KubeconfigOptions,
  type LoadImagesOptions,
  type PruneClustersOptions,
  type SelectorOptions,
  type StartClusterOptions,
  type WatchStatusOptions,
} from './api/clusters.js'
export type {CancelOptions, EngineOptions, MessageOptions, ProgressOptions} from './api/call-options.js'
// Addons (issue 8): the catalog, and enable/disable in a running cluster.
export {disableAddons, enableAddons, listAddons, type AddonsOptions, type EnableAddonsOptions} from './api/addons.js'
export type {AddonsDisableResult, AddonsEnableResult, AddonsListResult, AddonListEntry, AddonEnableEntry} from './lifecycle/addons.js'
export type {Addon, AddonHostPort, AddonOption, AddonRuntime, AddonValues, ReadinessCheck} from './addons/addon.js'
export {progressEvents, type ProgressRun} from './api/events.js'
export {EVENT_TYPE_BY_STATE, PROGRESS_EVENT_VERSION, toCloudEvent, type ProgressCloudEvent, type StepEventData} from './progress/cloud-event.js'

// What the calls return.
export type {CreateResult} from './lifecycle/create-cluster.js'
export type {DeletedCluster, DeleteResult} from './lifecycle/delete-cluster.js'
export type {StopResult} from './lifecycle/stop-cluster.js'
export type {PrunedCluster, PruneResult} from './lifecycle/prune.js'
export type {StartResult} from './lifecycle/start-cluster.js'
export {describeStatus, StatusExitCode, type ClusterStatus, type Health, type NodeStatus} from './lifecycle/cluster-status.js'
export type {LoadImagesResult, NodeTransfer} from './lifecycle/load-images.js'
export type {PortAddResult, PortListResult, PortRemoveResult} from './lifecycle/ports.js'
export type {ExportKubeconfigResult, GetKubeconfigResult} from './lifecycle/cluster-kubeconfig.js'
export type {ExportLogsResult} from './lifecycle/export-logs.js'
export type {BuildNodeImageResult} from './lifecycle/build-node-image.js'
export type {ClusterContainer, ClusterInventory, ClusterPort, ClusterState, ClusterSummary, Node, Provider} from './provider/types.js'

// Inputs: config files, and a create planned without touching Docker.
export type {CreateOptionsInput} from './config/cluster-options.js'
export type {Selector} from './config/cluster-labels.js'
export {loadClusterConfig, parseClusterConfig, type ConfigWarning, type LoadedClusterConfig} from './config/load-config.js'
export {HOOK_EVENTS, type ClusterSpec, type HookEvent, type HookSpec, type HookSpecs, type Json6902PatchSpec, type MountSpec, type NodeSpec, type NodeRole, type NetworkingSpec, type PortMappingSpec, type RunOptions} from './config/cluster-spec.js'
export {DEFAULT_HOOK_TIMEOUT_MS, hooksDirectory, type HookOptions} from './hooks/find-hooks.js'
export type {HookOutcome} from './hooks/run-hooks.js'
export {prepareCreate, type PreparedCreate} from './lifecycle/prepare-create.js'
export {describeDryRun, dryRunCreate, type DryRunResult} from './lifecycle/dry-run.js'
export {describeDoctor, type DoctorInput, type DoctorResult} from './lifecycle/doctor.js'
export type {CheckId, CheckStatus, HostCheck} from './lifecycle/host-checks.js'
export {proxySettingsFrom, type ProxySettings} from './config/proxy.js'
export {versionInfo, type VersionInfo} from './lifecycle/version-info.js'

// Lower level, for callers who compose the steps themselves (as the CLI does).
export {createClusterFromSpec, createSteps, type CreateDependencies} from './lifecycle/create-cluster.js'
export {startSteps, startWaves, DEFAULT_GRACES, type RepairGraces} from './lifecycle/start-cluster.js'
export {STOP_TIMEOUT_SECONDS} from './lifecycle/stop-cluster.js'
export {logsArchiveName, logsLayout, type LogEntry, type LogSource} from './lifecycle/export-logs.js'
export type {PortDependencies} from './lifecycle/ports.js'
export {clusterImagesFrom} from './lifecycle/cluster-images.js'
export type {ClusterImages} from './lifecycle/create-context.js'
export {applyKubeadmPatches, type KubeadmPatches} from './lifecycle/kubeadm/patches.js'
export {readHostFacts, type HostFacts} from './config/host-facts.js'
export {hostPortsToChoose, planCluster, type ClusterPlan, type PlannedNode, type PlanFacts} from './plan/plan-cluster.js'
export {cloudEventListener, type CloudEventOrigin} from './progress/cloud-event.js'
export {SequentialStepRunner, type ProgressEvent, type ProgressListener, type Step, type StepRunner} from './progress/step.js'
// Typed by our own interface, so the library's types never name dockerode's (a consumer needs no @types/dockerode).
/** The Provider on a Docker engine (DOCKER_HOST, else the local socket): the default of every call. */
export const DockerProvider: new () => Provider = DockerEngine

// Errors: each has `code` and the CLI's `exitCode` (ExitCode lists them), and most a `remedy`.
export * from './errors/index.js'
export {HookFailedError, HookFileError, HookTimeoutError} from './hooks/errors.js'
