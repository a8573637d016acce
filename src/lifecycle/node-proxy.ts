// How the proxy of the plan reaches a node's services. The node container's
// environment holds the variables (so they survive stop, start and a restart
// of the engine, and every `exec`, kubeadm included, inherits them; kubeadm
// copies them into the control-plane static pods). systemd starts its services
// with a clean environment, so a drop-in for every service passes them on: it
// is written before the container first starts, so containerd and kubelet
// never run without it.
import type {PlannedProxy} from '../plan/proxy.js'
import type {NodeContainerSpec} from '../provider/types.js'

/** A drop-in for every service (systemd ≥ 246 reads service.d/ for all of them). */
export const PROXY_DROP_IN_PATH = '/etc/systemd/system/service.d/50-kcluster-proxy.conf'

export function proxyDropIn(proxy: PlannedProxy): string {
  return ['# Written by kcluster create: services get the proxy of the node container\'s environment.', '[Service]', `PassEnvironment=${Object.keys(proxy.env).join(' ')}`, ''].join('\n')
}

/** The parts of a node container's spec that carry the proxy; nothing without one. */
export function nodeProxySpec(proxy: PlannedProxy | undefined): Pick<NodeContainerSpec, 'env' | 'files'> {
  if (!proxy) return {}
  return {env: proxy.env, files: [{path: PROXY_DROP_IN_PATH, content: proxyDropIn(proxy)}]}
}
