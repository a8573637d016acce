// `kcluster create`: plan, then a plain list of steps run in order; on failure
// everything this run made is removed again, as a visible step, unless the
// caller asked to keep it.
import type {CreateOptionsInput} from '../config/cluster-options.js'
import type {ClusterSpec, RunOptions} from '../config/cluster-spec.js'
import type {ConfigWarning} from '../config/load-config.js'
import type {ClusterProfile} from '../config/profile.js'
import {toKclusterError} from '../errors/index.js'
import {closeAdminApi} from './admin-api.js'
import {stopAhead} from './ahead.js'
import {findHooks, type HookOptions} from '../hooks/find-hooks.js'
import {runHooks, type HookOutcome} from '../hooks/run-hooks.js'
import {SequentialStepRunner, type Step, type StepRunner} from '../progress/step.js'
import type {Provider} from '../provider/types.js'
import type {CreateContext, ClusterImages} from './create-context.js'
import {newCreateContext, required} from './create-context.js'
import {bootstrapSteps} from './steps/bootstrap.js'
import {checkHostPorts} from './steps/check-host-ports.js'
import {checkPreconditions} from './steps/check-preconditions.js'
import {configureContainerd} from './steps/configure-containerd.js'
import {claimName, releaseClaim} from './steps/claim-name.js'
import {ensureLoadBalancerImage} from './steps/ensure-load-balancer-image.js'
import {ensureNodeImage} from './steps/ensure-node-image.js'
import {ensureKineImage, startKine} from './steps/start-kine.js'
import {installPodNetwork} from './steps/install-pod-network.js'
import {enableAddonsStep, waitAddonsStep} from './steps/enable-addons.js'
import {labelNodes} from './steps/label-nodes.js'
import {prepareCreate} from './prepare-create.js'
import {planClusterStep} from './steps/plan-cluster.js'
import {provisionNodes} from './steps/provision-nodes.js'
import {rollback} from './steps/rollback.js'
import {waitReady} from './steps/wait-ready.js'
import {writeKubeconfig} from './steps/write-kubeconfig.js'

/** What a create made: names, kubeconfig context, API server, image, nodes and how long each step took. */
export interface CreateResult {
  name: string
  context: string
  kubeconfig: string
  server: string
  image: string
  imageBuilt: boolean
  kubernetesVersion: string
  /** What backs the API server: default (etcd) or light (kine on SQLite). */
  profile: ClusterProfile
  securityMode: string
  network: {name: string; subnet: string}
  /** Every node as created; all are running when create returns. */
  nodes: {name: string; containerName: string; role: string; ipv4: string; state: 'running'}[]
  /** In front of the API servers, when there are several control planes. */
  loadBalancer?: {name: string; containerName: string; ipv4: string; state: 'running'}
  /** The user's labels (--label, the config file's labels), on every container, network and volume. */
  labels: Record<string, string>
  /** When `prune` may delete the cluster (--ttl), RFC 3339. */
  expiresAt?: string
  durationMs: number
  phases: {step: string; stepId: string; durationMs: number}[]
  /** Fields of the config file kcluster did not honour as asked. */
  warnings: ConfigWarning[]
  /** The post-create hooks that ran; absent when there were none. */
  hooks?: HookOutcome[]
}

/** The steps of a create, in the order they run. */
export function createSteps(): Step<CreateContext>[] {
  return [
    checkPreconditions,
    ensureNodeImage,
    planClusterStep,
    checkHostPorts,
    ensureLoadBalancerImage,
    ensureKineImage,
    claimName,
    provisionNodes,
    configureContainerd,
    startKine,
    ...bootstrapSteps,
    labelNodes,
    installPodNetwork,
    enableAddonsStep,
    waitReady,
    waitAddonsStep,
    // The kubeconfig is written last: a create that fails never leaves an entry behind.
    writeKubeconfig,
    releaseClaim,
  ]
}

/** Measures each step while delegating display to the caller's runner. */
class TimedRunner implements StepRunner {
  readonly phases: CreateResult['phases'] = []
  constructor(private readonly inner: StepRunner) {}
  run<C>(steps: Step<C>[], ctx: C, signal?: AbortSignal): Promise<void> {
    const timed = steps.map((step): Step<C> => ({
      ...step,
      run: async (c, s) => {
        const started = Date.now()
        await step.run(c, s)
        this.phases.push({step: step.title, stepId: step.id, durationMs: Date.now() - started})
      },
    }))
    return this.inner.run(timed, ctx, signal)
  }
}

/** What createClusterFromSpec runs with: the engine, the image source, the progress runner and a signal. */
export interface CreateDependencies {
  provider: Provider
  images: ClusterImages
  runner?: StepRunner
  signal?: AbortSignal
  /** Lifecycle hooks: the spec's and the hooks directory's (`{directory: false}` leaves that out). */
  hooks?: HookOptions
}

/** Creates a cluster from the flags of `kcluster create` and the config file they name. */
export async function createCluster(input: CreateOptionsInput, dependencies: CreateDependencies): Promise<CreateResult> {
  const {spec, run, warnings} = prepareCreate(input)
  return {...(await createClusterFromSpec(spec, run, dependencies)), warnings}
}

/** Creates the cluster a spec describes: the library entry for shapes flags cannot express. */
export async function createClusterFromSpec(spec: ClusterSpec, run: RunOptions, {provider, images, runner = new SequentialStepRunner(), signal = new AbortController().signal, hooks: hookOptions}: CreateDependencies): Promise<CreateResult> {
  const started = Date.now()
  // A malformed hook or one that cannot run fails here, before there is a cluster to roll back.
  const hooks = await findHooks('post-create', spec.hooks, hookOptions)
  const ctx = newCreateContext(spec, run, provider, images)
  const timed = new TimedRunner(runner)
  try {
    await timed.run(createSteps(), ctx, signal)
  } catch (error) {
    throw await cleanUpAfter(error, ctx, runner)
  }
  await stopAhead(ctx.ahead, 'the create ended')
  closeAdminApi(ctx)
  const plan = required(ctx.plan, 'the plan')
  const result: CreateResult = {
    name: spec.name,
    context: plan.contextName,
    kubeconfig: run.kubeconfigPath,
    server: plan.apiServer.server,
    image: required(ctx.image, 'the node image'),
    imageBuilt: ctx.imageBuilt,
    kubernetesVersion: required(ctx.kubernetesVersion, 'the Kubernetes version'),
    profile: plan.profile,
    securityMode: required(ctx.securityMode, 'the security mode'),
    network: {name: plan.network.name, subnet: plan.network.subnet},
    nodes: ctx.nodes.map((n) => ({name: n.name, containerName: n.containerName, role: n.role, ipv4: n.ipv4, state: 'running' as const})),
    ...(plan.loadBalancer ? {loadBalancer: {name: plan.loadBalancer.name, containerName: plan.loadBalancer.containerName, ipv4: plan.loadBalancer.ipv4, state: 'running' as const}} : {}),
    labels: ctx.metadata?.labels ?? {},
    ...(ctx.metadata?.expiresAt ? {expiresAt: ctx.metadata.expiresAt} : {}),
    durationMs: Date.now() - started,
    phases: timed.phases,
    warnings: [],
  }
  if (hooks.length === 0) return result
  // The cluster is complete (its claim released) when its hooks run: they may use every kcluster command on it.
  const invocation = {cluster: spec.name, context: plan.contextName, server: plan.apiServer.server, kubeconfig: run.kubeconfigPath, input: result}
  try {
    result.hooks = (await runHooks(hooks, invocation, {runner: timed, signal, env: hookOptions?.env})).outcomes
  } catch (error) {
    throw await cleanUpAfter(error, ctx, runner)
  }
  return {...result, durationMs: Date.now() - started}
}

/**
 * Runs the rollback as a step of its own, with a signal of its own: the
 * interrupt that stopped the create must not stop its cleanup. A rollback
 * that fails too is told in the error, with the command that finishes it.
 */
async function cleanUpAfter(error: unknown, ctx: CreateContext, runner: StepRunner): Promise<unknown> {
  // Nothing of the cluster exists before the claim, and the claim failing means the name is someone else's.
  await stopAhead(ctx.ahead)
  closeAdminApi(ctx)
  if (!ctx.claim && !ctx.kubeconfig) return error
  const failure = toKclusterError(error)
  if (ctx.run.retain) {
    failure.addDetail('retained', `kept for inspection (--retain); remove with \`kcluster delete --name ${ctx.spec.name}\``)
    return failure
  }
  try {
    await runner.run([rollback], ctx, new AbortController().signal)
  } catch (rollbackError) {
    const why = String((rollbackError as Error)?.message ?? rollbackError)
    failure.message += ` (cleanup failed too: ${why}; remove what is left with \`kcluster delete --name ${ctx.spec.name}\`)`
    failure.addDetail('cleanup', {failed: true, error: why})
  }
  return failure
}
