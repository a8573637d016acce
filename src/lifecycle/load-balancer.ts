// The load balancer in front of several control planes: HAProxy passes TLS
// through to every API server that answers its health check.
import {API_SERVER_PORT} from '../config/api-server.js'
import type {ClusterPlan} from '../plan/plan-cluster.js'

/** HAProxy's configuration for the plan's control planes, by their fixed addresses (no name to resolve at start). */
export function loadBalancerConfig(plan: ClusterPlan): string {
  const servers = plan.nodes
    .filter((node) => node.role === 'control-plane')
    .map((node) => `  server ${node.name} ${node.ipv4}:${API_SERVER_PORT} check check-ssl verify none inter 1s fall 2 rise 1`)
  return [
    'global',
    // Each connection takes two descriptors; a container's limit may be as low as 20000.
    '  maxconn 4000',
    'defaults',
    '  mode tcp',
    // On the cluster's own network a connect takes microseconds; a stopped control plane must not hold a client
    // for long before its health check marks it down: give up on it quickly and send the connection elsewhere.
    '  timeout connect 1s',
    '  retries 2',
    '  option redispatch',
    // Watches (kubectl get -w, informers) hold connections open for long.
    '  timeout client 1h',
    '  timeout server 1h',
    'frontend kube-apiserver',
    `  bind *:${API_SERVER_PORT}`,
    '  default_backend control-planes',
    'backend control-planes',
    // /healthz is open to anonymous clients; a server still starting is left out until it answers.
    '  option httpchk GET /healthz',
    '  balance roundrobin',
    ...servers,
    '',
  ].join('\n')
}
