// How cluster parts are named. Kubernetes node names and host names follow the
// convention users know (dev-control-plane, dev-worker2); container names put
// a '.' before the role, which no kind container name has there, so a kind
// cluster of the same name can never collide with ours.
import type {NodeRole} from '../config/cluster-spec.js'

/** 0 → "", 1 → "2": the first node of a role has no number, as in kind. */
function ordinal(index: number): string {
  return index === 0 ? '' : String(index + 1)
}

export function nodeName(cluster: string, role: NodeRole, index: number): string {
  return `${cluster}-${role}${ordinal(index)}`
}

export function nodeContainerName(cluster: string, role: NodeRole, index: number): string {
  return `kcluster.${cluster}.${role}${ordinal(index)}`
}

export function loadBalancerName(cluster: string): string {
  return `${cluster}-load-balancer`
}

export function loadBalancerContainerName(cluster: string): string {
  return `kcluster.${cluster}.load-balancer`
}

export function networkName(cluster: string): string {
  return `kcluster-${cluster}`
}

export function contextName(cluster: string): string {
  return `kcluster-${cluster}`
}

/** The front container of a port added after create: what it publishes is in its name. */
export function portFrontContainerName(cluster: string, port: {hostAddress: string; hostPort: number; protocol: string}): string {
  return `kcluster.${cluster}.port-${port.hostAddress}-${port.hostPort}-${port.protocol}`
}
