// Labels are the only record of what belongs to which cluster: no state file
// can drift from what Docker actually runs.

export const LABEL_PREFIX = 'io.kcluster'
export const CLUSTER_LABEL = `${LABEL_PREFIX}.cluster`
export const ROLE_LABEL = `${LABEL_PREFIX}.role`
export const KIND_LABEL = `${LABEL_PREFIX}.kind`
/** The Kubernetes node name of a node container (its container name differs, see src/plan/names.ts). */
export const NODE_NAME_LABEL = `${LABEL_PREFIX}.node`
/** Set on the claim of a create in progress: process and machine that made it. */
export const CREATOR_LABEL = `${LABEL_PREFIX}.creator`

/** On a port front (`kcluster port add`): what it publishes and where it forwards to; `port list` reads them. */
export const PORT_LABELS = {
  hostAddress: `${LABEL_PREFIX}.port.host-address`,
  hostPort: `${LABEL_PREFIX}.port.host-port`,
  protocol: `${LABEL_PREFIX}.port.protocol`,
  node: `${LABEL_PREFIX}.port.node`,
  nodeAddress: `${LABEL_PREFIX}.port.node-address`,
  nodePort: `${LABEL_PREFIX}.port.node-port`,
} as const

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
