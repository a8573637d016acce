import {DockerProvider} from '../provider/docker/docker-provider.js'
import type {ClusterSummary, Provider} from '../provider/types.js'

export async function listClusters({provider = new DockerProvider()}: {provider?: Provider} = {}): Promise<ClusterSummary[]> {
  await provider.ping()
  return provider.listClusters()
}
