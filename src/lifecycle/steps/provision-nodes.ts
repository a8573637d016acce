import type {Step} from '../../progress/step.js'
import type {PlannedNode} from '../../plan/plan-cluster.js'
import type {Node} from '../../provider/types.js'
import {DockerOperationError} from '../../errors/index.js'
import {HOOK_EVENTS} from '../../config/cluster-spec.js'
import {HOOKS_LABEL} from '../../provider/labels.js'
import type {CreateContext} from '../create-context.js'
import {required, resourceLabels} from '../create-context.js'
import {LOAD_BALANCER_CONFIG_PATH} from '../../images/index.js'
import {loadBalancerConfig} from '../load-balancer.js'
import {CLUSTER_RECORD_PATH, renderClusterRecord} from '../cluster-record.js'
import {nodeGcFiles} from '../node-gc.js'
import {nodeProxySpec} from '../node-proxy.js'
import {waitFor} from '../wait.js'
import {bootstrapFiles, newJoinSecrets} from './bootstrap.js'
import {patchesContainerd} from './configure-containerd.js'
import {planWithFacts} from './plan-cluster.js'

const NETWORK_ATTEMPTS = 5

/** Creates the cluster network on the planned subnet; when a concurrent create took it first, plans again. */
async function createNetwork(ctx: CreateContext): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const plan = required(ctx.plan, 'the plan')
    const outcome = await ctx.provider.createNetwork({cluster: plan.name, ...plan.network, labels: resourceLabels(ctx)})
    if (outcome === 'created') return
    if (attempt === NETWORK_ATTEMPTS) throw new DockerOperationError(`create the network ${plan.network.name}`, `every subnet tried was taken meanwhile (last: ${plan.network.subnet})`)
    await planWithFacts(ctx, [plan.network.subnet])
  }
}

async function provisionNode(ctx: CreateContext, planned: PlannedNode, record: string): Promise<Node> {
  const plan = required(ctx.plan, 'the plan')
  const proxy = nodeProxySpec(plan.proxy)
  return ctx.provider.provisionNode({
    cluster: plan.name,
    name: planned.name,
    containerName: planned.containerName,
    role: planned.role,
    image: planned.image ?? required(ctx.image, 'the node image'),
    network: plan.network.name,
    ipv4: planned.ipv4,
    securityMode: required(ctx.securityMode, 'the security mode'),
    ports: planned.ports,
    mounts: planned.mounts,
    ...(plan.dnsSearch ? {dnsSearch: plan.dnsSearch} : {}),
    ...proxy,
    // Its services' drop-ins, the proxy's, the spec the cluster was created from (for `export logs` and whoever
    // debugs it later) and what kubeadm needs on it.
    files: [...nodeGcFiles(), ...(proxy.files ?? []), {path: CLUSTER_RECORD_PATH, content: record, mode: 0o644}, ...bootstrapFiles(ctx, planned)],
    labels: {...resourceLabels(ctx), [HOOKS_LABEL]: HOOK_EVENTS.filter((event) => (ctx.spec.hooks?.[event]?.length ?? 0) > 0).join(',')},
  })
}

async function provisionLoadBalancer(ctx: CreateContext): Promise<void> {
  const plan = required(ctx.plan, 'the plan')
  const lb = plan.loadBalancer
  if (!lb) return
  await ctx.provider.provisionLoadBalancer({
    cluster: plan.name,
    name: lb.name,
    containerName: lb.containerName,
    image: required(ctx.loadBalancerImage, 'the load balancer image'),
    network: plan.network.name,
    ipv4: lb.ipv4,
    ports: lb.ports,
    config: {path: LOAD_BALANCER_CONFIG_PATH, content: loadBalancerConfig(plan)},
    labels: resourceLabels(ctx),
  })
}

export const provisionNodes: Step<CreateContext> = {
  id: 'provision-nodes',
  title: 'Start the node containers',
  run: async (ctx, step) => {
    const [, securityMode] = await Promise.all([createNetwork(ctx), ctx.provider.detectSecurityMode(required(ctx.image, 'the node image'))])
    ctx.securityMode = securityMode
    // Known before the nodes are made: kubeadm's configuration goes into them with their other files.
    ctx.secrets ??= newJoinSecrets()
    const record = renderClusterRecord(ctx.spec, new Date())
    const plan = required(ctx.plan, 'the plan')
    step.report(`${plan.nodes.length} ${securityMode} container(s) on ${plan.network.name} (${plan.network.subnet})`)
    // In parallel, failing fast; the rollback removes whatever did start.
    const [nodes] = await Promise.all([Promise.all(plan.nodes.map((planned) => provisionNode(ctx, planned, record))), provisionLoadBalancer(ctx)])
    ctx.nodes = nodes
    // A containerd patch restarts containerd in every node first, so then every node is waited for here.
    // Otherwise every node boots on while the next steps run: kubeadm init writes its certificates and
    // manifests meanwhile and only then starts the kubelet, whose unit systemd starts after containerd's; a
    // join awaits its node's boot.
    if (patchesContainerd(plan)) {
      step.report('waiting for systemd and containerd')
      await Promise.all(nodes.map((node) => untilContainerdServes(node, step.signal)))
      return
    }
    for (const node of nodes) {
      const booted = untilContainerdServes(node, ctx.ahead.controller.signal)
      booted.catch(() => {})
      ctx.booting.set(node.name, booted)
    }
  },
}

async function untilContainerdServes(node: Node, signal: AbortSignal): Promise<void> {
  await waitFor({what: `containerd in node ${node.name}`, timeoutMs: 60_000, intervalMs: 200, signal}, async () => {
    await node.exec(['ctr', 'version'], {signal})
    return true
  })
}
