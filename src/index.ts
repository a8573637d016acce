// kcluster as a library: the same lifecycle the CLI runs, typed. Callers make
// the provider (`new DockerProvider()`) and pass it in: that is the one place
// the library connects to a container engine.
export {createCluster, createClusterFromSpec, createSteps, type CreateDependencies, type CreateResult} from './lifecycle/create-cluster.js'
export {deleteClusters, type DeleteResult} from './lifecycle/delete-cluster.js'
export {listClusters} from './lifecycle/list-clusters.js'
export {loadImages, type LoadImagesResult} from './lifecycle/load-images.js'
export {buildNodeImage, type BuildNodeImageResult} from './lifecycle/build-node-image.js'
export {clusterImagesFrom} from './lifecycle/cluster-images.js'
export type {ClusterImages} from './lifecycle/create-context.js'
export type {CreateOptionsInput} from './config/cluster-options.js'
export type {ClusterSpec, NodeSpec, NodeRole, NetworkingSpec, RunOptions} from './config/cluster-spec.js'
export {planCluster, type ClusterPlan, type PlannedNode, type PlanFacts} from './plan/plan-cluster.js'
export {SequentialStepRunner, type ProgressEvent, type ProgressListener, type Step, type StepRunner} from './progress/step.js'
export type {ClusterState, ClusterSummary, Node, Provider} from './provider/types.js'
export {DockerProvider} from './provider/docker/docker-provider.js'
export * from './errors/index.js'
