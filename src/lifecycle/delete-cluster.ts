// `kcluster delete`: idempotent; a cluster that is already gone is a note, not an error.
import {removeFromKubeconfig, resolveKubeconfigPath} from '../kubeconfig/index.js'
import {contextName} from '../plan/names.js'
import type {Provider} from '../provider/types.js'

export interface DeleteResult {
  deleted: {name: string; existed: boolean; containers: number; volumes: number; networks: number; kubeconfigEntryRemoved: boolean}[]
  kubeconfig: string
}

export async function deleteClusters(input: {names?: string[]; all?: boolean; kubeconfig?: string}, {provider}: {provider: Provider}): Promise<DeleteResult> {
  await provider.ping()
  const kubeconfig = resolveKubeconfigPath(input.kubeconfig)
  const names = input.all ? (await provider.listClusters()).map((c) => c.name) : (input.names ?? [])
  const deleted = await Promise.all(
    names.map(async (name) => {
      const [removed, kubeconfigEntryRemoved] = await Promise.all([provider.deleteCluster(name), removeFromKubeconfig(kubeconfig, contextName(name))])
      return {name, existed: removed.containers + removed.volumes + removed.networks > 0, ...removed, kubeconfigEntryRemoved}
    }),
  )
  return {deleted, kubeconfig}
}
