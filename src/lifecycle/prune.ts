// `kcluster prune`: deletes the clusters nobody will delete by hand, that is
// those past their expiry (create --ttl) and the leftovers of creates that were
// killed (orphans). A create still running in another process is never
// touched, however old or expired: its claim names a live process.
import {matchesSelector, type Selector} from '../config/cluster-labels.js'
import {resolveKubeconfigPath} from '../kubeconfig/index.js'
import type {HookOutcome} from '../hooks/run-hooks.js'
import type {StepRunner} from '../progress/step.js'
import type {ClusterSummary, Provider} from '../provider/types.js'
import {creatorLiveness, describeCreator, procProcessTable, type ProcessTable} from './creator.js'
import {deleteClusters} from './delete-cluster.js'

export type PruneReason = 'expired' | 'orphaned'

export type PruneDecision = {action: 'prune'; reason: PruneReason; detail: string} | {action: 'keep'; note?: string}

/** What to do with one cluster, from its labels, the time and this machine's processes. */
export function pruneDecision(cluster: ClusterSummary, now: number, processes: ProcessTable): PruneDecision {
  // A claim: the create has not finished. Only a process known to be gone makes it an orphan.
  if (cluster.creator) {
    const creator = describeCreator(cluster.creator)
    switch (creatorLiveness(cluster.creator, processes)) {
      case 'running':
        return {action: 'keep', note: `a create is in progress (${creator})`}
      case 'gone':
        return {action: 'prune', reason: 'orphaned', detail: `its create (${creator}) ended without finishing`}
      case 'unknown':
        return {action: 'keep', note: `a create (${creator}) has not finished, and whether it still runs cannot be told from this machine; \`kcluster delete --name ${cluster.name}\` removes it`}
    }
  }
  if (cluster.state === 'incomplete') return {action: 'prune', reason: 'orphaned', detail: 'no node container is left, and no create holds the name'}
  if (cluster.expiresAt !== undefined && Date.parse(cluster.expiresAt) <= now) return {action: 'prune', reason: 'expired', detail: `expired at ${cluster.expiresAt}`}
  return {action: 'keep'}
}

/** One cluster prune deleted (or would, in a dry run), and why. */
export interface PrunedCluster {
  name: string
  reason: PruneReason
  detail: string
  expiresAt?: string
  /** What was removed; absent in a dry run. */
  containers?: number
  volumes?: number
  networks?: number
  kubeconfigEntryRemoved?: boolean
}

/** What `kcluster prune` deleted and what it left alone. */
export interface PruneResult {
  dryRun: boolean
  pruned: PrunedCluster[]
  /** Unfinished creates left alone, and why. */
  skipped: {name: string; reason: string}[]
  kubeconfig: string
  /** The pre-delete and post-delete hooks of the pruned clusters that ran, as `delete` runs them; absent when none. */
  hooks?: HookOutcome[]
}

export interface PruneInput {
  /** Say what would be pruned, remove nothing. */
  dryRun?: boolean
  /** Only clusters whose labels match. */
  selector?: Selector
  kubeconfig?: string
}

export interface PruneDependencies {
  provider: Provider
  /** This machine's processes (Linux /proc by default). */
  processes?: ProcessTable
  now?: () => number
  /** Shows the delete hooks that run, as `delete` does. */
  runner?: StepRunner
  signal?: AbortSignal
}

export async function pruneClusters(input: PruneInput, {provider, processes = procProcessTable(), now = Date.now, runner, signal}: PruneDependencies): Promise<PruneResult> {
  await provider.ping()
  const clusters = (await provider.listClusters()).filter((c) => matchesSelector(c.labels, input.selector ?? {}))
  const at = now()
  const pruned: PrunedCluster[] = []
  const skipped: PruneResult['skipped'] = []
  for (const cluster of clusters) {
    const decision = pruneDecision(cluster, at, processes)
    if (decision.action === 'prune') pruned.push({name: cluster.name, reason: decision.reason, detail: decision.detail, ...(cluster.expiresAt ? {expiresAt: cluster.expiresAt} : {})})
    else if (decision.note) skipped.push({name: cluster.name, reason: decision.note})
  }
  if (input.dryRun || pruned.length === 0) return {dryRun: input.dryRun === true, pruned, skipped, kubeconfig: resolveKubeconfigPath(input.kubeconfig)}
  const {deleted, kubeconfig, hooks} = await deleteClusters({names: pruned.map((p) => p.name), kubeconfig: input.kubeconfig}, {provider, runner, signal})
  const removed = new Map(deleted.map(({name, existed: _existed, ...counts}) => [name, counts]))
  return {dryRun: false, pruned: pruned.map((p) => ({...p, ...removed.get(p.name)})), skipped, kubeconfig, ...(hooks ? {hooks} : {})}
}
