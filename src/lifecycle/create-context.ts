import type {CreateOptions} from '../config/cluster-options.js'
import type {Node, Provider, SecurityMode} from '../provider/types.js'
import type {ClusterPlan} from './cluster-plan.js'
import type {StepContext, StepRunner} from './step.js'

export interface CreateContext {
  options: CreateOptions
  plan: ClusterPlan
  provider: Provider
  /** Runs nested steps (the node image build) with the caller's progress display. */
  runner: StepRunner
  /** Builds the default node image, reporting through the given step. */
  buildNodeImage(step: StepContext): Promise<void>
  /** Node image reference actually used. */
  image: string
  imageBuilt: boolean
  securityMode?: SecurityMode
  /** Set once anything of the cluster may exist, so a failure knows to clean up. */
  touchedDocker: boolean
  controlPlane?: Node
  apiServerPort?: number
  kubeconfigWritten: boolean
}
