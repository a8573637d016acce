// Labels are the only record of what belongs to which cluster: no state file
// can drift from what Docker actually runs.

export const LABEL_PREFIX = 'io.kcluster'
export const CLUSTER_LABEL = `${LABEL_PREFIX}.cluster`
export const ROLE_LABEL = `${LABEL_PREFIX}.role`
export const KIND_LABEL = `${LABEL_PREFIX}.kind`

export type ResourceKind = 'node' | 'network' | 'volume' | 'probe'

export function clusterLabels(cluster: string, kind: ResourceKind, extra: Record<string, string> = {}): Record<string, string> {
  return {[CLUSTER_LABEL]: cluster, [KIND_LABEL]: kind, ...extra}
}

/** Container, hostname and Kubernetes node name are one: `<cluster>-control-plane`. */
export function nodeContainerName(cluster: string, suffix: string): string {
  return `${cluster}-${suffix}`
}

export function networkName(cluster: string): string {
  return `kcluster-${cluster}`
}

export function varVolumeName(containerName: string): string {
  return `${containerName}-var`
}
