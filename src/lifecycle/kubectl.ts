import type {ExecOptions, Node} from '../provider/types.js'

/** kubeadm's admin kubeconfig, on every control-plane node. */
export const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf'

/** kubectl inside a control-plane node, as the cluster admin. */
export function kubectlIn(node: Node, args: string[], options: ExecOptions = {}) {
  return node.exec(['kubectl', `--kubeconfig=${ADMIN_KUBECONFIG}`, ...args], options)
}
