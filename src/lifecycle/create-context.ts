import type {CreateOptions} from '../config/cluster-options.js'
import type {Node, Provider, SecurityMode} from '../provider/types.js'
import type {ClusterPlan} from './cluster-plan.js'
import type {StepContext} from '../progress/step.js'

export interface CreateContext {
  options: CreateOptions
  plan: ClusterPlan
  provider: Provider
  /** Builds the default node image, reporting through the given step; false when another process had just built it. */
  buildNodeImage(step: StepContext): Promise<boolean>
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
