import type {ClusterSummary, Provider} from '../provider/types.js'

export async function listClusters({provider}: {provider: Provider}): Promise<ClusterSummary[]> {
  await provider.ping()
  return provider.listClusters()
}
