import {UsageError} from '../../errors/index.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {kubectlIn} from '../kubectl.js'
import {API_SERVER_PORT} from '../../config/api-server.js'
import type {Node} from '../../provider/types.js'
import {CNI_CONFIG_PATH, cniConfig, KUBE_PROXY_HEALTHY, networkManifest, NO_KUBE_PROXY_MARKER} from '../pod-network.js'
import {waitFor} from '../wait.js'

/** Node name → pod CIDR, once the controller-manager assigned one to every node. */
async function podCidrs(ctx: CreateContext, signal: AbortSignal): Promise<Map<string, string>> {
  const admin = initNode(ctx)
  const wanted = ctx.nodes.map((n) => n.name)
  return waitFor({what: `a pod CIDR for every node (${wanted.join(', ')})`, timeoutMs: 60_000, intervalMs: 200, signal}, async () => {
    const out = (await kubectlIn(admin, ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}{"\\n"}{end}'], {signal})).stdout
    const found = new Map(out.split('\n').filter(Boolean).map((line) => line.split('=') as [string, string]))
    const missing = wanted.filter((name) => !found.get(name))
    if (missing.length > 0) throw new Error(`no pod CIDR yet for ${missing.join(', ')}`)
    return found
  })
}

async function kubeProxyServing(node: Node, signal: AbortSignal): Promise<void> {
  await waitFor({what: `kube-proxy on node ${node.name} to serve the Service addresses`, timeoutMs: 120_000, intervalMs: 200, signal}, async () => {
    await node.exec(KUBE_PROXY_HEALTHY, {signal})
    return true
  })
}

export const installPodNetwork: Step<CreateContext> = {
  id: 'install-pod-network',
  title: 'Install the pod network',
  skip: (ctx) => (required(ctx.plan, 'the plan').disableDefaultCNI ? 'disableDefaultCNI: bring your own pod network' : undefined),
  run: async (ctx, step) => {
    const plan = required(ctx.plan, 'the plan')
    const flannelImage = ctx.bundledImages.flannel
    if (!flannelImage) throw new UsageError(`node image ${ctx.image} carries no pod network (flannel) image`, 'use a node image built by `kcluster build node-image`')
    // The routes keeper starts while each node gets its CNI configuration.
    const manifest = networkManifest({podSubnet: plan.podSubnet, flannelImage, apiServerHost: plan.apiServer.endpointHost, apiServerPort: API_SERVER_PORT})
    await kubectlIn(initNode(ctx), ['apply', '--server-side', '--field-manager=kcluster', '-f', '-'], {stdin: manifest, signal: step.signal})
    const cidrs = await podCidrs(ctx, step.signal)
    step.report([...cidrs].map(([name, cidr]) => `${name} ${cidr}`).join(', '))
    await Promise.all(
      ctx.nodes.map(async (node) => {
        const mtu = Number((await node.exec(['cat', '/sys/class/net/eth0/mtu'], {signal: step.signal})).stdout.trim()) || 1500
        // No pod starts before its node has a CNI configuration; hold that back until kube-proxy serves the
        // Service addresses, or the first pods (CoreDNS) reach for the API's Service address, get nothing, and wait out a 30 s timeout.
        if (plan.kubeProxyMode !== 'none') await kubeProxyServing(node, step.signal)
        // The node's boot gate (kcluster-cni-gate) waits for kube-proxy in the same way, unless told there is none.
        else await node.writeFile(NO_KUBE_PROXY_MARKER, 'kubeProxyMode: none\n')
        await node.writeFile(CNI_CONFIG_PATH, `${JSON.stringify(cniConfig(cidrs.get(node.name)!, mtu), null, 2)}\n`)
      }),
    )
  },
}
