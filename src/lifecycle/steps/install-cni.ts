import type {Node} from '../../provider/types.js'
import type {CreateContext} from '../create-context.js'
import type {Step} from '../../progress/step.js'
import {readTemplate, renderTemplate} from '../templates.js'
import {waitFor} from '../wait.js'

export const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf'

export function kubectlIn(node: Node, args: string[], options: {allowFailure?: boolean; stdin?: string; signal?: AbortSignal} = {}) {
  return node.exec(['kubectl', `--kubeconfig=${ADMIN_KUBECONFIG}`, ...args], options)
}

export function renderCniConfig(podCidr: string, mtu = 1500): string {
  return renderTemplate(readTemplate('cni/kcluster.conflist'), {POD_CIDR: podCidr, MTU: mtu})
}

/** Pods talk to each other by routes (ptp veths), and leave the cluster masqueraded as their node. */
export const installCni: Step<CreateContext> = {
  id: 'install-pod-network',
  title: 'Install the pod network',
  run: async (ctx, step) => {
    const node = ctx.controlPlane!
    const podCidr = await waitFor({what: `a pod CIDR for node ${node.name}`, timeoutMs: 60_000, intervalMs: 200, signal: step.signal}, async () => {
      const result = await kubectlIn(node, ['get', 'node', node.name, '-o', 'jsonpath={.spec.podCIDR}'], {allowFailure: true})
      return result.exitCode === 0 && result.stdout.trim() ? result.stdout.trim() : undefined
    })
    step.report(`pod CIDR ${podCidr}`)
    const mtu = Number((await node.exec(['cat', '/sys/class/net/eth0/mtu'])).stdout.trim()) || 1500
    await node.writeFile('/etc/cni/net.d/10-kcluster.conflist', renderCniConfig(podCidr, mtu))
    const subnet = ctx.plan.podSubnet
    const rule = `-s ${subnet} ! -d ${subnet} -m comment --comment kcluster-pods-leaving-the-cluster -j MASQUERADE`
    // Check and add in one exec: appended only if not there yet.
    await node.exec(['sh', '-c', `iptables -t nat -C POSTROUTING ${rule} 2>/dev/null || iptables -t nat -A POSTROUTING ${rule}`])
  },
}
