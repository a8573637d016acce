// `kcluster delete`: idempotent; a cluster that is already gone is a note, not an error.
import {removeFromKubeconfig, resolveKubeconfigPath} from '../kubeconfig/index.js'
import {DockerProvider} from '../provider/docker/docker-provider.js'
import type {Provider} from '../provider/types.js'
import {contextNameOf} from './cluster-plan.js'

export interface DeleteResult {
  deleted: {name: string; existed: boolean; containers: number; volumes: number; networks: number; kubeconfigEntryRemoved: boolean}[]
  kubeconfig: string
}

export async function deleteClusters(
  input: {names?: string[]; all?: boolean; kubeconfig?: string},
  {provider = new DockerProvider()}: {provider?: Provider} = {},
): Promise<DeleteResult> {
  await provider.ping()
  const kubeconfig = resolveKubeconfigPath(input.kubeconfig)
  const names = input.all ? (await provider.listClusters()).map((c) => c.name) : (input.names ?? [])
  const deleted: DeleteResult['deleted'] = []
  for (const name of names) {
    const removed = await provider.deleteCluster(name)
    const kubeconfigEntryRemoved = await removeFromKubeconfig(kubeconfig, contextNameOf(name))
    const existed = removed.containers + removed.volumes + removed.networks > 0
    deleted.push({name, existed, ...removed, kubeconfigEntryRemoved})
  }
  return {deleted, kubeconfig}
}
