import {UsageError} from '../../errors/index.js'
import type {Step} from '../../progress/step.js'
import type {Node} from '../../provider/types.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {kubectlIn} from '../kubectl.js'
import {API_SERVER_PORT} from '../../config/api-server.js'
import {CNI_CONFIG_PATH, cniConfig, networkManifest} from '../pod-network.js'
import {waitFor} from '../wait.js'
import {formatSubnet, parseSubnet} from '../../plan/ipv4.js'
import type {ClusterPlan} from '../../plan/plan-cluster.js'
import {kubeadmDocuments} from '../kubeadm/config.js'
import {finishAhead} from '../ahead.js'
import yaml from 'js-yaml'
import type {KubeObject} from '../../addons/index.js'
import {withAdminApi} from '../admin-api.js'

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
  const objects = yaml.loadAll(manifest).filter(Boolean) as KubeObject[]
  await withAdminApi(ctx, signal, (api) =>
    waitFor({what: 'the API server to take the pod network objects', timeoutMs: 30_000, intervalMs: 300, signal}, async () => {
      // From this host through the API (see ../admin-api.ts); by kubectl in the node when that cannot be.
      if (await api?.apply(objects, {force: false})) return true
      await kubectlIn(initNode(ctx), ['apply', '--server-side', '--field-manager=kcluster', '-f', '-'], {stdin: manifest, signal})
      return true
    }),
  )
}

/** Gives each of `nodes` its CNI configuration once it has a pod CIDR: from then on the node can be Ready. */
export async function configureNodes(ctx: CreateContext, nodes: Node[], signal: AbortSignal): Promise<void> {
  if (nodes.length === 0) return
  const cidrs = await podCidrs(ctx, nodes, signal)
  await Promise.all(
    nodes.map(async (node) => {
      await writeCniConfig(node, cidrs.get(node.name)!, signal)
      ctx.podCidrs.set(node.name, cidrs.get(node.name)!)
    }),
  )
}

/**
 * The first control plane's pod CIDR, the first block of the pod subnet: the one the controller manager's range
 * allocator gives the first node it sees, which keeps a CIDR a node already has. Undefined where the allocator
 * may cut otherwise (a pod subnet smaller than a /24, or a node-cidr-mask-size of the user's).
 */
export function firstPodCidr(plan: Pick<ClusterPlan, 'podSubnet'>, controllerManagerArgs: {name: string}[]): string | undefined {
  const subnet = parseSubnet(plan.podSubnet)
  if (!subnet || subnet.prefix > NODE_CIDR_PREFIX || controllerManagerArgs.some((a) => a.name.startsWith('node-cidr-mask-size'))) return undefined
  return formatSubnet({base: subnet.base, prefix: NODE_CIDR_PREFIX})
}

/** The controller manager's default node-cidr-mask-size for IPv4. */
const NODE_CIDR_PREFIX = 24

/**
 * Gives the first control plane its pod CIDR (firstPodCidr) as soon as its node is registered, through the API
 * server and as the cluster admin: its CNI configuration goes in then, and it is Ready, before the controller
 * manager's node-ipam controller even starts (it took the CIDR from there about a second later, behind 40 other
 * controllers, and CoreDNS waited for the node to be Ready). A CIDR set already, by the allocator winning the
 * race, is taken as it is. False when the CIDR is left to the controller manager.
 */
export async function claimFirstPodCidr(ctx: CreateContext, signal: AbortSignal): Promise<boolean> {
  const plan = required(ctx.plan, 'the plan')
  const node = initNode(ctx)
  const controllerManager = (kubeadmDocuments(plan, plan.nodes.find((n) => n.name === node.name)!, required(ctx.kubernetesVersion, 'the Kubernetes version'), required(ctx.secrets, 'the join secrets')).find((d) => d.kind === 'ClusterConfiguration')?.controllerManager ?? {}) as {extraArgs?: {name: string}[]}
  const cidr = firstPodCidr(plan, controllerManager.extraArgs ?? [])
  if (!cidr) return false
  const path = `/api/v1/nodes/${encodeURIComponent(node.name)}`
  const podCidrOf = (body: string) => (JSON.parse(body) as {spec?: {podCIDR?: string}}).spec?.podCIDR
  const assigned = await withAdminApi(ctx, signal, async (api) => {
    if (!api) return null
    return waitFor<string | null>({what: `node ${node.name} to take its pod CIDR ${cidr}`, timeoutMs: 30_000, intervalMs: 200, signal}, async () => {
      // No answer at all: an API server this host does not reach (it answered the create's readiness poll just now).
      // Forbidden after the admin API's wait for kubeadm's binding: refused for good.
      const res = await api.mergePatch(path, {spec: {podCIDR: cidr, podCIDRs: [cidr]}})
      if (!res || res.statusCode === 403) return null
      // Not registered yet (404): asked again.
      if (res.statusCode === 200) return podCidrOf(res.body) ?? cidr
      // Set to another block already: that one stands.
      if (res.statusCode === 422) {
        const current = await api.get(path)
        const other = current?.statusCode === 200 ? podCidrOf(current.body) : undefined
        if (other) return other
      }
      throw new Error(`the API server answered ${res.statusCode}`)
    }).catch((error: unknown) => {
      if (signal.aborted) throw error
      // The controller manager hands it out in any case; configureNodes waits for that.
      return null
    })
  })
  if (!assigned) return false
  await writeCniConfig(node, assigned, signal)
  ctx.podCidrs.set(node.name, assigned)
  return true
}

async function writeCniConfig(node: Node, cidr: string, signal: AbortSignal): Promise<void> {
  const mtu = Number((await node.exec(['cat', '/sys/class/net/eth0/mtu'], {signal})).stdout.trim()) || 1500
  await node.writeFile(CNI_CONFIG_PATH, `${JSON.stringify(cniConfig(cidr, mtu), null, 2)}\n`)
}

/** Ahead of the step: the objects and the first node's pod CIDR and configuration, side by side. */
export async function installPodNetworkAhead(ctx: CreateContext, signal: AbortSignal): Promise<void> {
  const [, claimed] = await Promise.all([applyNetworkObjects(ctx, signal), claimFirstPodCidr(ctx, signal)])
  if (!claimed) await configureNodes(ctx, [initNode(ctx)], signal)
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
