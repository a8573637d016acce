// What backs a cluster's API server. default: kubeadm's own, etcd as a static
// pod on every control plane. light: kine, the etcd API over SQLite (as k3s
// runs it), as a systemd unit of the one control plane; everything else is the
// same upstream Kubernetes.
import type {InputProblem} from '../errors/index.js'
import type {NodeSpec} from './cluster-spec.js'

export type ClusterProfile = 'default' | 'light'
export const CLUSTER_PROFILES: readonly ClusterProfile[] = ['default', 'light']
export const DEFAULT_PROFILE: ClusterProfile = 'default'

export function isClusterProfile(value: string): value is ClusterProfile {
  return (CLUSTER_PROFILES as readonly string[]).includes(value)
}

/**
 * What the profile forbids in this shape, at the field to change. SQLite has
 * one writer, so kine runs beside one API server: a second control plane is refused.
 * `asked` says where the profile came from (profile, --profile).
 */
export function profileProblems(profile: ClusterProfile | undefined, nodes: NodeSpec[], asked = 'profile'): InputProblem[] {
  if (profile !== 'light') return []
  const controlPlanes = nodes.flatMap((node, index) => (node.role === 'control-plane' ? [index] : []))
  return controlPlanes.slice(1).map((index) => ({
    field: `nodes[${index}].role`,
    message: `${asked} light runs one control plane (kine keeps the cluster's state in SQLite, which has one writer), and this is control plane number ${controlPlanes.indexOf(index) + 1}: make it a worker, or use profile default for ${controlPlanes.length} control planes`,
  }))
}
