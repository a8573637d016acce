// Labels are the only record of what belongs to which cluster: no state file
// can drift from what Docker actually runs.

export const LABEL_PREFIX = 'io.kcluster'
export const CLUSTER_LABEL = `${LABEL_PREFIX}.cluster`
export const ROLE_LABEL = `${LABEL_PREFIX}.role`
export const KIND_LABEL = `${LABEL_PREFIX}.kind`
/** The Kubernetes node name of a node container (its container name differs, see src/plan/names.ts). */
export const NODE_NAME_LABEL = `${LABEL_PREFIX}.node`
/** Set on the claim of a create in progress: process and machine that made it (host:pid). */
export const CREATOR_LABEL = `${LABEL_PREFIX}.creator`
/** Also on the claim: what tells whether that process still runs (see src/lifecycle/creator.ts). */
export const CREATOR_PROCESS_LABELS = {
  bootId: `${CREATOR_LABEL}.boot-id`,
  pidNamespace: `${CREATOR_LABEL}.pid-namespace`,
  startTime: `${CREATOR_LABEL}.start-time`,
} as const
/** A user's label `key=value` (create --label) is `io.kcluster.label.<key>=value`: never mixed with kcluster's own. */
export const USER_LABEL_PREFIX = `${LABEL_PREFIX}.label.`
/**
 * On a node: the hook events its cluster's config declared, comma-separated (empty: none). Stop, start and
 * delete then read the recorded config (a copy out of the node) only when it has hooks for them.
 */
export const HOOKS_LABEL = `${LABEL_PREFIX}.hooks`
/** The hook events every node's label names; undefined when a node has no such label (made by an older kcluster) or there is no node. */
export function declaredHooksOf(nodeLabels: (Record<string, string> | undefined)[]): string[] | undefined {
  const lists = nodeLabels.map((labels) => labels?.[HOOKS_LABEL])
  if (lists.length === 0 || lists.some((list) => list === undefined)) return undefined
  return [...new Set(lists.flatMap((list) => list!.split(',').filter((event) => event !== '')))].sort()
}
/** When `prune` may delete the cluster (create --ttl): an RFC 3339 time. */
export const EXPIRES_LABEL = `${LABEL_PREFIX}.expires`
/** What backs the API server (create --profile), when it is not the default: `light`. */
export const PROFILE_LABEL = `${LABEL_PREFIX}.profile`

/** On a port front (`kcluster port add`): what it publishes and where it forwards to; `port list` reads them. */
export const PORT_LABELS = {
  hostAddress: `${LABEL_PREFIX}.port.host-address`,
  hostPort: `${LABEL_PREFIX}.port.host-port`,
  protocol: `${LABEL_PREFIX}.port.protocol`,
  node: `${LABEL_PREFIX}.port.node`,
  nodeAddress: `${LABEL_PREFIX}.port.node-address`,
  nodePort: `${LABEL_PREFIX}.port.node-port`,
} as const

/** What the user said of a cluster at create, carried by every container, network and volume of it. */
export interface ClusterMetadata {
  labels: Record<string, string>
  expiresAt?: string
  /** create --profile, when not the default ("light"). */
  profile?: string
}

export function metadataLabels({labels, expiresAt, profile}: ClusterMetadata): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(labels).map(([key, value]) => [`${USER_LABEL_PREFIX}${key}`, value])),
    ...(expiresAt ? {[EXPIRES_LABEL]: expiresAt} : {}),
    ...(profile ? {[PROFILE_LABEL]: profile} : {}),
  }
}

export function metadataOf(labels: Record<string, string> | undefined): ClusterMetadata {
  const user = Object.entries(labels ?? {}).filter(([key]) => key.startsWith(USER_LABEL_PREFIX))
  const expiresAt = labels?.[EXPIRES_LABEL]
  const profile = labels?.[PROFILE_LABEL]
  return {labels: Object.fromEntries(user.map(([key, value]) => [key.slice(USER_LABEL_PREFIX.length), value])), ...(expiresAt ? {expiresAt} : {}), ...(profile ? {profile} : {})}
}

/** The process that runs a create, as its claim records it. */
export interface CreatorRecord {
  host: string
  pid: number
  /** Linux: the kernel's boot id, the pid namespace (inode) and the process's start time (clock ticks since boot). */
  bootId?: string
  pidNamespace?: string
  startTime?: string
  /** When the claim was made (the engine's creation time of the claim container), RFC 3339. */
  claimedAt?: string
}

export function creatorLabels(creator: CreatorRecord): Record<string, string> {
  const labels: Record<string, string> = {[CREATOR_LABEL]: `${creator.host}:${creator.pid}`}
  for (const key of ['bootId', 'pidNamespace', 'startTime'] as const) if (creator[key]) labels[CREATOR_PROCESS_LABELS[key]] = creator[key]
  return labels
}

export function creatorOf(labels: Record<string, string> | undefined): CreatorRecord | undefined {
  const match = /^(.*):(\d+)$/.exec(labels?.[CREATOR_LABEL] ?? '')
  if (!match) return undefined
  const creator: CreatorRecord = {host: match[1]!, pid: Number(match[2])}
  for (const key of ['bootId', 'pidNamespace', 'startTime'] as const) {
    const value = labels?.[CREATOR_PROCESS_LABELS[key]]
    if (value) creator[key] = value
  }
  return creator
}
/** On a port front or host container an addon made: the addon's name (disable removes what carries it). */
export const ADDON_CONTAINER_LABEL = `${LABEL_PREFIX}.addon`

export type ResourceKind = 'node' | 'load-balancer' | 'network' | 'volume' | 'probe' | 'claim' | 'port'

export function clusterLabels(cluster: string, kind: ResourceKind, extra: Record<string, string> = {}): Record<string, string> {
  return {[CLUSTER_LABEL]: cluster, [KIND_LABEL]: kind, ...extra}
}

export const VAR_VOLUME_SUFFIX = '.var'

/** The volume holding a node's /var. */
export function varVolumeName(containerName: string): string {
  return `${containerName}${VAR_VOLUME_SUFFIX}`
}

/** A created, never started container whose unique name claims the cluster name while a create runs. */
export function claimContainerName(cluster: string): string {
  return `kcluster.${cluster}`
}
