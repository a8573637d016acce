// `kcluster delete`: idempotent; a cluster that is already gone is a note, not an error.
// Its pre-delete and post-delete hooks run around the removal; a failing hook
// fails the command afterwards but never keeps a cluster alive.
import {matchesSelector, type Selector} from '../config/cluster-labels.js'
import {toKclusterError} from '../errors/index.js'
import {findHooks, type Hook, type HookOptions} from '../hooks/find-hooks.js'
import {runHooks, type HookOutcome} from '../hooks/run-hooks.js'
import {removeFromKubeconfig, resolveKubeconfigPath} from '../kubeconfig/index.js'
import {contextName} from '../plan/names.js'
import {SequentialStepRunner, type StepRunner} from '../progress/step.js'
import type {ClusterInventory, Provider} from '../provider/types.js'
import {recordedHooks} from './cluster-record.js'

/** One cluster a delete went through; `existed: false` when it was gone already. */
export interface DeletedCluster {
  name: string
  existed: boolean
  containers: number
  volumes: number
  networks: number
  kubeconfigEntryRemoved: boolean
}

/** What `kcluster delete` removed, and from which kubeconfig file. */
export interface DeleteResult {
  deleted: DeletedCluster[]
  kubeconfig: string
  /** The pre-delete and post-delete hooks that ran; absent when there were none. */
  hooks?: HookOutcome[]
}

interface Doomed {
  name: string
  inventory: ClusterInventory
  pre: Hook[]
  post: Hook[]
}

/** The named clusters; or every one (`all`); or every one whose labels match the selector (none matching: nothing to do). */
export async function deleteClusters(
  input: {names?: string[]; all?: boolean; selector?: Selector; kubeconfig?: string},
  {provider, runner = new SequentialStepRunner(), signal, hooks: hookOptions}: {provider: Provider; runner?: StepRunner; signal?: AbortSignal; hooks?: HookOptions},
): Promise<DeleteResult> {
  const kubeconfig = resolveKubeconfigPath(input.kubeconfig)
  const {selector} = input
  const names = input.all || selector ? (await provider.listClusters()).filter((c) => !selector || matchesSelector(c.labels, selector)).map((c) => c.name) : (input.names ?? [])
  // Read first (it also tells an engine that does not answer before a kubeconfig entry is touched).
  const inventories = new Map(await Promise.all(names.map(async (name) => [name, await provider.inspectCluster(name)] as const)))
  if (names.length === 0) await provider.ping()
  const outcomes: HookOutcome[] = []
  const failures: unknown[] = []
  const doomed = hookOptions?.enabled === false ? [] : await clustersWithHooks(inventories, provider, hookOptions, failures)
  const fire = async (cluster: Doomed, event: 'pre-delete' | 'post-delete', input: unknown) => {
    const ran = await runHooks(event === 'pre-delete' ? cluster.pre : cluster.post, {cluster: cluster.name, context: contextName(cluster.name), server: cluster.inventory.server, kubeconfig, input}, {runner, signal, env: hookOptions?.env, onFailure: 'collect'})
    outcomes.push(...ran.outcomes)
    failures.push(...ran.failures)
  }
  for (const cluster of doomed) await fire(cluster, 'pre-delete', {name: cluster.name, server: cluster.inventory.server ?? null, containers: cluster.inventory.containers})
  const deleted = await Promise.all(
    names.map(async (name) => {
      // After pre-delete hooks, the cluster is listed afresh: a hook may have changed it.
      const known = doomed.some((d) => d.name === name) ? [] : (inventories.get(name)?.containers.map((c) => c.containerName) ?? [])
      const [removed, kubeconfigEntryRemoved] = await Promise.all([provider.deleteCluster(name, known), removeFromKubeconfig(kubeconfig, contextName(name))])
      return {name, existed: removed.containers + removed.volumes + removed.networks > 0, ...removed, kubeconfigEntryRemoved}
    }),
  )
  const result: DeleteResult = {deleted, kubeconfig}
  for (const cluster of doomed) await fire(cluster, 'post-delete', {deleted: deleted.filter((d) => d.name === cluster.name), kubeconfig})
  if (outcomes.length > 0) result.hooks = outcomes
  if (failures.length > 0) {
    const failure = toKclusterError(failures[0])
    failure.message += names.length === 1 ? '; the cluster was deleted all the same' : '; the clusters were deleted all the same'
    failure.addDetail('result', result)
    if (failures.length > 1) failure.addDetail('otherHookFailures', failures.slice(1).map((f) => toKclusterError(f).message))
    throw failure
  }
  return result
}

/**
 * The clusters that exist, with the hooks their deletion runs. A hooks folder
 * that cannot be run is a failure like a failing hook: told at the end.
 */
async function clustersWithHooks(inventories: Map<string, ClusterInventory | undefined>, provider: Provider, options: HookOptions | undefined, failures: unknown[]): Promise<Doomed[]> {
  const folder = async (event: 'pre-delete' | 'post-delete') => {
    try {
      return await findHooks(event, undefined, options)
    } catch (error) {
      failures.push(error)
      return []
    }
  }
  const existing = [...inventories].flatMap(([name, inventory]) => (inventory ? [{name, inventory}] : []))
  if (existing.length === 0) return []
  const [preFolder, postFolder] = [await folder('pre-delete'), await folder('post-delete')]
  const declaredOnly = {...options, directory: false as const}
  const found = await Promise.all(
    existing.map(async ({name, inventory}) => {
      const declared = await recordedHooks(provider, inventory, ['pre-delete', 'post-delete'])
      const pre = [...(await findHooks('pre-delete', declared, declaredOnly)), ...preFolder]
      const post = [...(await findHooks('post-delete', declared, declaredOnly)), ...postFolder]
      return {name, inventory, pre, post}
    }),
  )
  return found.filter((c) => c.pre.length + c.post.length > 0)
}
