import {UsageError} from '../../errors/index.js'
import type {Step} from '../../progress/step.js'
import type {Node} from '../../provider/types.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {kubectlIn} from '../kubectl.js'
import {API_SERVER_PORT} from '../../config/api-server.js'
import {CNI_CONFIG_PATH, cniConfig, networkManifest} from '../pod-network.js'
import {waitFor} from '../wait.js'
import {finishAhead} from '../ahead.js'

/** Node name → pod CIDR, once the controller-manager assigned one to each of `nodes`. */
async function podCidrs(ctx: CreateContext, nodes: Node[], signal: AbortSignal): Promise<Map<string, string>> {
  const admin = initNode(ctx)
  const wanted = nodes.map((n) => n.name)
  return waitFor({what: `a pod CIDR for ${wanted.length === 1 ? `node ${wanted[0]}` : `every node (${wanted.join(', ')})`}`, timeoutMs: 60_000, intervalMs: 200, signal}, async () => {
    const out = (await kubectlIn(admin, ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}{"\\n"}{end}'], {signal})).stdout
    const found = new Map(out.split('\n').filter(Boolean).map((line) => line.split('=') as [string, string]))
    const missing = wanted.filter((name) => !found.get(name))
    if (missing.length > 0) throw new Error(`no pod CIDR yet for ${missing.join(', ')}`)
    return found
  })
}

/**
 * CoreDNS reaches the API server straight, not through the kubernetes Service address: it then never waits on
 * kube-proxy, neither now nor when the node boots again, where it would otherwise wait out a 30 s dial timeout.
 * Its readiness is asked every second instead of every ten, so a started cluster answers as soon as it can.
 * On a cluster of one node a second replica would run beside the first on the same node: it protects against
 * nothing there and costs 13 MiB, so one node gets one replica. kubeadm applies it as it creates the Deployment
 * (a strategic merge patch in its patches directory), so no pod of another shape ever starts.
 */
export function coreDnsPatch(apiServerIpv4: string, nodes: number): unknown {
  return {
    spec: {
      ...(nodes === 1 ? {replicas: 1} : {}),
      template: {
        spec: {
          containers: [
            {
              name: 'coredns',
              env: [
                {name: 'KUBERNETES_SERVICE_HOST', value: apiServerIpv4},
                {name: 'KUBERNETES_SERVICE_PORT', value: String(API_SERVER_PORT)},
              ],
              readinessProbe: {periodSeconds: 1},
            },
          ],
        },
      },
    },
  }
}

/**
 * The pod network's objects (the routes keeper's DaemonSet and what it needs). Applied as soon as the API server
 * serves, while kubeadm still finishes: its namespace may not exist in the very first moments, so refusals are
 * tried again for a while.
 */
export async function applyNetworkObjects(ctx: CreateContext, signal: AbortSignal): Promise<void> {
  const plan = required(ctx.plan, 'the plan')
  const flannelImage = ctx.bundledImages.flannel
  if (!flannelImage) throw new UsageError(`node image ${ctx.image} carries no pod network (flannel) image`, 'use a node image built by `kcluster build node-image`')
  const manifest = networkManifest({podSubnet: plan.podSubnet, flannelImage, apiServerHost: plan.apiServer.endpointHost, apiServerPort: API_SERVER_PORT})
  await waitFor({what: 'the API server to take the pod network objects', timeoutMs: 30_000, intervalMs: 300, signal}, async () => {
    await kubectlIn(initNode(ctx), ['apply', '--server-side', '--field-manager=kcluster', '-f', '-'], {stdin: manifest, signal})
    return true
  })
}

/** Gives each of `nodes` its CNI configuration once it has a pod CIDR: from then on the node can be Ready. */
export async function configureNodes(ctx: CreateContext, nodes: Node[], signal: AbortSignal): Promise<void> {
  if (nodes.length === 0) return
  const cidrs = await podCidrs(ctx, nodes, signal)
  await Promise.all(
    nodes.map(async (node) => {
      const mtu = Number((await node.exec(['cat', '/sys/class/net/eth0/mtu'], {signal})).stdout.trim()) || 1500
      await node.writeFile(CNI_CONFIG_PATH, `${JSON.stringify(cniConfig(cidrs.get(node.name)!, mtu), null, 2)}\n`)
      ctx.podCidrs.set(node.name, cidrs.get(node.name)!)
    }),
  )
}

/** Ahead of the step: the objects, then the first node's configuration. */
export async function installPodNetworkAhead(ctx: CreateContext, signal: AbortSignal): Promise<void> {
  await applyNetworkObjects(ctx, signal)
  await configureNodes(ctx, [initNode(ctx)], signal)
}

export const installPodNetwork: Step<CreateContext> = {
  id: 'install-pod-network',
  title: 'Install the pod network',
  skip: (ctx) => (required(ctx.plan, 'the plan').disableDefaultCNI ? 'disableDefaultCNI: bring your own pod network' : undefined),
  run: async (ctx, step) => {
    // The routes keeper starts while each node gets its CNI configuration.
    if (!(await finishAhead(ctx.ahead, installPodNetwork.id, step))) await applyNetworkObjects(ctx, step.signal)
    await configureNodes(ctx, ctx.nodes.filter((n) => !ctx.podCidrs.has(n.name)), step.signal)
    step.report(ctx.nodes.map((n) => `${n.name} ${ctx.podCidrs.get(n.name)}`).join(', '))
  },
}
