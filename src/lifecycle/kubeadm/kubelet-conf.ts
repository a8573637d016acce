// kubeadm's kubelet-finalize phase, without its kubelet restart. kubeadm init first gives the kubelet a
// kubeconfig with its client certificate inline; once the kubelet keeps that certificate in its own store
// (client rotation on), the phase points the kubeconfig at the store's current file and restarts the kubelet.
// The restart sat on create's critical path: a second before the kubelet serves again, then every pod synced
// anew. The running kubelet already authenticates from its store (seeded from the inline certificate), so
// kcluster makes the same edit and leaves the restart out; the kubelet reads the file when it next starts.
import yaml from 'js-yaml'

export const KUBELET_KUBECONFIG_PATH = '/etc/kubernetes/kubelet.conf'
export const KUBELET_CURRENT_CERTIFICATE = '/var/lib/kubelet/pki/kubelet-client-current.pem'

/** kubelet.conf with the node's user reading certificate and key from the store's current file. */
export function withRotatingCertificate(kubeconfigText: string, nodeName: string): string {
  const config = yaml.load(kubeconfigText) as {users?: {name: string; user: Record<string, unknown>}[]}
  const user = config.users?.find((u) => u.name === `system:node:${nodeName}`)
  if (!user) throw new Error(`${KUBELET_KUBECONFIG_PATH} has no user system:node:${nodeName}`)
  user.user = {'client-certificate': KUBELET_CURRENT_CERTIFICATE, 'client-key': KUBELET_CURRENT_CERTIFICATE}
  return yaml.dump(config, {lineWidth: -1})
}
