// The proxy the nodes get: create's own, with NO_PROXY extended so that no
// traffic inside the cluster (node to node, to the API server, to pods and
// Services) is ever sent to it. Pure.
import type {ProxySettings} from '../config/proxy.js'

export interface PlannedProxy {
  httpProxy?: string
  httpsProxy?: string
  /** The user's entries first, then the cluster's own. */
  noProxy: string[]
  /** The environment of every node container, each variable in both cases. */
  env: Record<string, string>
}

export interface ClusterAddresses {
  podSubnet: string
  serviceSubnet: string
  /** The Docker network of the nodes. */
  networkSubnet: string
  /** Node and load balancer names (as host names) and addresses. */
  members: {name: string; ipv4: string}[]
}

/** Never proxied inside a cluster, whatever the user's NO_PROXY says. */
const ALWAYS_DIRECT = ['localhost', '127.0.0.1', '.svc', '.cluster.local']

export function planProxy(settings: ProxySettings, cluster: ClusterAddresses): PlannedProxy {
  const own = [
    ...ALWAYS_DIRECT,
    cluster.networkSubnet,
    cluster.podSubnet,
    cluster.serviceSubnet,
    // Names and single addresses as well: not every client understands CIDRs in NO_PROXY.
    ...cluster.members.flatMap((m) => [m.name, m.ipv4]),
  ]
  const given = (settings.noProxy ?? '').split(',').map((entry) => entry.trim()).filter(Boolean)
  const noProxy = [...new Set([...given, ...own])]
  const env: Record<string, string> = {}
  const set = (name: string, value: string | undefined) => {
    if (value === undefined) return
    env[name] = value
    env[name.toLowerCase()] = value
  }
  set('HTTP_PROXY', settings.httpProxy)
  set('HTTPS_PROXY', settings.httpsProxy)
  set('NO_PROXY', noProxy.join(','))
  return {...(settings.httpProxy ? {httpProxy: settings.httpProxy} : {}), ...(settings.httpsProxy ? {httpsProxy: settings.httpsProxy} : {}), noProxy, env}
}
