import {matchesSelector, type Selector} from '../config/cluster-labels.js'
import type {ClusterSummary, Provider} from '../provider/types.js'

/** Every cluster, or those whose labels match every `key=value` of the selector. */
export async function listClusters({provider}: {provider: Provider}, {selector = {}}: {selector?: Selector} = {}): Promise<ClusterSummary[]> {
  await provider.ping()
  return (await provider.listClusters()).filter((c) => matchesSelector(c.labels, selector))
}
