// `kcluster start`: brings a stopped (or half-running) cluster back and waits
// until it serves again. Control planes and the load balancer start first,
// then workers and the rest, so workers find an API server coming up. A
// cluster whose containers came back in another order is repaired: kubelets
// that stay unhealthy are restarted, and CoreDNS that started before the
// Service addresses worked is replaced.
import {formatDuration} from '../config/duration.js'
import {ClusterMissingError} from '../errors/index.js'
import {findHooks, type HookOptions} from '../hooks/find-hooks.js'
import {runHooks, type HookOutcome} from '../hooks/run-hooks.js'
import {readContextAccess, resolveKubeconfigPath} from '../kubeconfig/index.js'
import {contextName} from '../plan/names.js'
import {SequentialStepRunner, type Step, type StepRunner} from '../progress/step.js'
import type {ClusterContainer, ClusterInventory, Node, Provider} from '../provider/types.js'
import {apiGet} from './api-client.js'
import {recordedHooks} from './cluster-record.js'
import {kubeletHealthy, nodeConditions, readyAfter, serviceAddresses, waitForClusterDns} from './cluster-health.js'
import {kubectlIn} from './kubectl.js'
import {waitFor} from './wait.js'

/** What `kcluster start` started and repaired, and whether the kubeconfig still has the context. */
export interface StartResult {
  name: string
  /** Containers this run started. */
  started: string[]
  alreadyRunning: string[]
  /** What start found broken and mended. */
  repaired: string[]
  /** What start found broken and cannot mend, with what to do. */
  cannotRepair: string[]
  server: string | null
  context: string
  /** Whether the kubeconfig still has the cluster's context (`kcluster export kubeconfig` restores it). */
  contextPresent: boolean
  durationMs: number
  phases: {stepId: string; durationMs: number}[]
  /** The post-start hooks that ran; absent when there were none. */
  hooks?: HookOutcome[]
}

interface StartContext {
  provider: Provider
  name: string
  waitMs: number
  graces: RepairGraces
  deadline: number
  inventory: ClusterInventory
  startedAt: Date
  started: string[]
  repaired: string[]
  nodes: Node[]
}

/** Pure: which containers to start, in waves. Control planes and the load balancer first; everything else after. */
export function startWaves(containers: ClusterContainer[]): string[][] {
  const stopped = containers.filter((c) => c.state !== 'running')
  const first = stopped.filter((c) => c.kind === 'load-balancer' || (c.kind === 'node' && c.role === 'control-plane'))
  const rest = stopped.filter((c) => !first.includes(c))
  return [first, rest].map((wave) => wave.map((c) => c.containerName)).filter((wave) => wave.length > 0)
}

const remaining = (ctx: StartContext) => Math.max(0, ctx.deadline - Date.now())
const controlPlane = (ctx: StartContext) => {
  const found = ctx.nodes.find((n) => n.role === 'control-plane')
  if (!found) throw new ClusterMissingError(ctx.name)
  return found
}

const startContainers: Step<StartContext> = {
  id: 'start-containers',
  title: 'Start the containers',
  skip: (ctx) => (startWaves(ctx.inventory.containers).length === 0 ? 'every container runs already' : undefined),
  run: async (ctx, step) => {
    ctx.startedAt = new Date()
    for (const wave of startWaves(ctx.inventory.containers)) {
      step.signal.throwIfAborted()
      await ctx.provider.startContainers(wave)
      ctx.started.push(...wave)
      step.report(`started ${wave.join(', ')}`)
    }
    // Only a running container shows its published ports: ask again for the API endpoint.
    ctx.inventory = (await ctx.provider.inspectCluster(ctx.name)) ?? ctx.inventory
  },
}

const waitApiServer: Step<StartContext> = {
  id: 'wait-api-server',
  title: 'Wait for the API server',
  skip: (ctx) => (ctx.waitMs === 0 ? 'not asked to wait (--wait 0)' : undefined),
  run: async (ctx, step) => {
    const server = ctx.inventory.server
    if (server) {
      await waitFor({what: `the API server at ${server} to be ready (--wait ${formatDuration(ctx.waitMs)})`, timeoutMs: remaining(ctx), intervalMs: 250, signal: step.signal}, async () => {
        const res = await apiGet(server, '/readyz', {timeoutMs: 2000, signal: step.signal})
        if (res.statusCode !== 200) throw new Error(`/readyz answered ${res.statusCode}`)
        return true
      })
    }
    // The node list is asked from a control plane from here on.
    ctx.nodes = await ctx.provider.listNodes(ctx.name)
    await waitFor({what: 'kubectl in the control plane to reach the API server', timeoutMs: remaining(ctx), intervalMs: 250, signal: step.signal}, async () => {
      await kubectlIn(controlPlane(ctx), ['get', '--raw', '/readyz'], {signal: step.signal})
      return true
    })
    // The controller manager and scheduler that held the leader leases are gone with the stopped control planes,
    // but their successors would honour the leases for a full lease duration (15 s and more) before taking over,
    // and until then no endpoint follows a pod to its new address. Nobody holds them: hand them over at once.
    const controlPlanes = ctx.nodes.filter((n) => n.role === 'control-plane')
    if (controlPlanes.length > 0 && controlPlanes.every((n) => ctx.started.includes(n.containerName))) {
      await kubectlIn(controlPlane(ctx), ['delete', 'lease', '-n', 'kube-system', 'kube-controller-manager', 'kube-scheduler', '--ignore-not-found'], {signal: step.signal})
      step.report('released the leader leases of the stopped controller manager and scheduler')
    }
  },
}

/** How long a part gets to recover by itself before start repairs it. */
export interface RepairGraces {
  /** kubelet to answer healthy before it is restarted once. */
  kubeletMs: number
  /** CoreDNS to answer, once the nodes are Ready, before its pods are replaced. */
  dnsMs: number
}

/** How long start lets a kubelet and cluster DNS come back on their own before it repairs them. */
export const DEFAULT_GRACES: RepairGraces = {kubeletMs: 30_000, dnsMs: 20_000}

const repairKubelets: Step<StartContext> = {
  id: 'repair-kubelets',
  title: 'Check kubelet on every node',
  skip: (ctx) => (ctx.waitMs === 0 ? 'not asked to wait (--wait 0)' : undefined),
  run: async (ctx, step) => {
    await Promise.all(
      ctx.nodes.map(async (node) => {
        const healthy = () => kubeletHealthy(node, step.signal).then((ok) => ok || undefined)
        try {
          await waitFor({what: `kubelet on node ${node.name} to be healthy`, timeoutMs: Math.min(ctx.graces.kubeletMs, remaining(ctx)), intervalMs: 250, signal: step.signal}, healthy)
          return
        } catch (error) {
          if (step.signal.aborted) throw error
        }
        await node.exec(['systemctl', 'restart', 'kubelet'], {signal: step.signal})
        ctx.repaired.push(`restarted kubelet on node ${node.name}`)
        step.report(`restarted kubelet on node ${node.name}`)
        await waitFor({what: `kubelet on node ${node.name} to be healthy after a restart`, timeoutMs: remaining(ctx), intervalMs: 250, signal: step.signal}, healthy)
      }),
    )
  },
}


const waitReady: Step<StartContext> = {
  id: 'wait-ready',
  title: 'Wait for the nodes to be Ready and cluster DNS to answer',
  skip: (ctx) => (ctx.waitMs === 0 ? 'not asked to wait (--wait 0)' : undefined),
  run: async (ctx, step) => {
    const admin = controlPlane(ctx)
    const restarted = new Set(ctx.started)
    const names = ctx.nodes.map((n) => n.name)
    await waitFor({what: `nodes ${names.join(', ')} to be Ready (--wait ${formatDuration(ctx.waitMs)})`, timeoutMs: remaining(ctx), intervalMs: 500, signal: step.signal}, async () => {
      const conditions = await nodeConditions(admin, step.signal)
      // A node started by this run must report Ready anew: the condition it had before the stop is stale.
      const waiting = ctx.nodes.filter((n) => {
        const condition = conditions.get(n.name)
        return restarted.has(n.containerName) ? !readyAfter(condition, ctx.startedAt) : !condition?.ready
      })
      if (waiting.length > 0) throw new Error(`not Ready yet: ${waiting.map((n) => n.name).join(', ')}`)
      return true
    })
    const addresses = await serviceAddresses(admin, step.signal)
    if (!addresses.dns) return step.report('nodes Ready; the cluster has no DNS Service to ask')
    step.report('nodes Ready; asking cluster DNS')
    const dnsAnswers = (withinMs: number) => waitForClusterDns(admin, addresses, withinMs, step.signal)
    try {
      await dnsAnswers(Math.min(ctx.graces.dnsMs, remaining(ctx)))
      return
    } catch (error) {
      if (step.signal.aborted || remaining(ctx) === 0) throw error
    }
    // CoreDNS that came up before kube-proxy served the API's Service address waits out long timeouts; new pods start clean.
    await kubectlIn(admin, ['delete', 'pod', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '--wait=false'], {signal: step.signal})
    ctx.repaired.push('replaced the CoreDNS pods, which did not answer')
    step.report('replaced the CoreDNS pods, which did not answer')
    await dnsAnswers(remaining(ctx))
  },
}

/** The steps of a start, in the order they run. */
export function startSteps(): Step<StartContext>[] {
  return [startContainers, waitApiServer, repairKubelets, waitReady]
}

export async function startCluster(
  input: {name: string; waitMs: number; kubeconfig?: string; graces?: RepairGraces},
  {provider, runner = new SequentialStepRunner(), signal, hooks: hookOptions}: {provider: Provider; runner?: StepRunner; signal?: AbortSignal; hooks?: HookOptions},
): Promise<StartResult> {
  const began = Date.now()
  await provider.ping()
  const inventory = await provider.inspectCluster(input.name)
  if (!inventory || !inventory.containers.some((c) => c.kind === 'node')) throw new ClusterMissingError(input.name)
  const cannotRepair = inventory.removedNodeContainers.map(
    (name) => `node container ${name} was removed; start cannot recreate it (its /etc/kubernetes is gone): run \`kcluster delete --name ${input.name}\` and create the cluster again`,
  )
  if (inventory.claimed) cannotRepair.push(`a create of ${input.name} never finished; \`kcluster delete --name ${input.name}\` removes it`)
  const ctx: StartContext = {provider, name: input.name, waitMs: input.waitMs, graces: input.graces ?? DEFAULT_GRACES, deadline: began + input.waitMs, inventory, startedAt: new Date(), started: [], repaired: [], nodes: await provider.listNodes(input.name)}
  const phases: StartResult['phases'] = []
  const timed = startSteps().map((step): Step<StartContext> => ({
    ...step,
    run: async (c, s) => {
      const t = Date.now()
      await step.run(c, s)
      phases.push({stepId: step.id, durationMs: Date.now() - t})
    },
  }))
  // Found before anything starts: a hook that cannot run is an error now, not after the start.
  const willStart = startWaves(inventory.containers).length > 0
  const hooks = !willStart || hookOptions?.enabled === false ? [] : await findHooks('post-start', await recordedHooks(provider, inventory, ['post-start']), hookOptions)
  await runner.run(timed, ctx, signal)
  const context = contextName(input.name)
  const kubeconfig = resolveKubeconfigPath(input.kubeconfig)
  const access = await readContextAccess(kubeconfig, context)
  const result: StartResult = {
    name: input.name,
    started: ctx.started,
    alreadyRunning: inventory.containers.filter((c) => c.state === 'running').map((c) => c.containerName),
    repaired: ctx.repaired,
    cannotRepair,
    server: ctx.inventory.server ?? null,
    context,
    contextPresent: access !== undefined,
    durationMs: Date.now() - began,
    phases,
  }
  // Only a start that started something fires the event; a failing hook fails the command, the cluster runs on.
  if (hooks.length === 0 || ctx.started.length === 0) return result
  const invocation = {cluster: input.name, context, server: ctx.inventory.server, kubeconfig, input: result}
  result.hooks = (await runHooks(hooks, invocation, {runner, signal, env: hookOptions?.env})).outcomes
  return {...result, durationMs: Date.now() - began}
}
