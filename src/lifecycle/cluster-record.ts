// What create leaves in every node about how the cluster was made: the
// version of kcluster and the resolved cluster spec. It lives in the nodes, not
// in a file on this machine, so it goes wherever the cluster goes and can never
// disagree with it.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {HOOK_EVENTS, type ClusterSpec, type HookEvent, type HookSpecs} from '../config/cluster-spec.js'
import {hookProblems} from '../config/hook-rules.js'
import {isPlainObject} from '../config/json-schema.js'
import {packageRoot} from '../images/paths.js'
import type {ClusterInventory, Provider} from '../provider/types.js'

/** Beside kubeadm's configuration; the engine reads it (`docker cp`) from a stopped node too. */
export const CLUSTER_RECORD_PATH = '/etc/kcluster/cluster.json'

/** The output of the node's `kubeadm init` or `join`, as create ran it. */
export const KUBEADM_LOG_PATH = '/var/log/kcluster/kubeadm.log'

export interface ClusterRecord {
  kclusterVersion: string
  createdAt: string
  spec: ClusterSpec
}

let version: string | undefined

/** The version of this kcluster, from its package.json. */
export function kclusterVersion(): string {
  version ??= String((JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {version?: unknown}).version ?? 'unknown')
  return version
}

export function renderClusterRecord(spec: ClusterSpec, now: Date): string {
  const record: ClusterRecord = {kclusterVersion: kclusterVersion(), createdAt: now.toISOString(), spec}
  return `${JSON.stringify(record, null, 2)}\n`
}

/**
 * The hooks the cluster's config declared, as create recorded them: delete,
 * stop and start run them too. A cluster without a readable record (made by an
 * older kcluster, or its nodes removed by hand) has none; so has one whose
 * recorded hooks do not read as hooks, which must not stop a delete. When
 * the nodes' labels say the config declared none of `events`, the record is
 * not read (a copy out of a node takes a tenth of a second or more).
 */
export async function recordedHooks(provider: Provider, inventory: ClusterInventory, events: readonly HookEvent[]): Promise<HookSpecs | undefined> {
  if (inventory.declaredHooks && !events.some((event) => inventory.declaredHooks!.includes(event))) return undefined
  for (const container of inventory.containers.filter((c) => c.kind === 'node')) {
    let record: unknown
    try {
      record = JSON.parse((await provider.readContainerFile(container.containerName, CLUSTER_RECORD_PATH)).toString('utf8'))
    } catch {
      continue
    }
    const hooks = isPlainObject(record) && isPlainObject(record.spec) ? record.spec.hooks : undefined
    if (!isPlainObject(hooks)) return undefined
    const found: HookSpecs = {}
    for (const event of HOOK_EVENTS) if (Array.isArray(hooks[event])) found[event] = hooks[event] as HookSpecs[typeof event]
    return wellFormed(found) ? found : undefined
  }
  return undefined
}

function wellFormed(hooks: HookSpecs): boolean {
  const shapes = Object.values(hooks).every((list) =>
    list.every((hook) => isPlainObject(hook) && (typeof hook.command === 'string' || (Array.isArray(hook.command) && hook.command.every((arg) => typeof arg === 'string')))),
  )
  return shapes && hookProblems(hooks).length === 0
}
