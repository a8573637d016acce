// `kcluster create`: a plain list of steps run in order; on failure everything
// created is removed again unless the caller asked to keep it.
import {resolveCreateOptions, type CreateOptions, type CreateOptionsInput} from '../config/cluster-options.js'
import {removeFromKubeconfig} from '../kubeconfig/index.js'
import {imageReference, nodeImageRecipe} from '../images/index.js'
import {buildNodeImage} from './build-node-image.js'
import {DockerProvider} from '../provider/docker/docker-provider.js'
import type {Provider} from '../provider/types.js'
import {planCluster} from './cluster-plan.js'
import type {CreateContext} from './create-context.js'
import {SequentialStepRunner, type Step, type StepContext, type StepRunner} from '../progress/step.js'
import {checkPreconditions} from './steps/check-preconditions.js'
import {ensureNodeImage} from './steps/ensure-node-image.js'
import {exportKubeconfig} from './steps/export-kubeconfig.js'
import {installCni} from './steps/install-cni.js'
import {kubeadmInit} from './steps/kubeadm-init.js'
import {provisionNodes} from './steps/provision-nodes.js'
import {waitReady} from './steps/wait-ready.js'

export interface CreateResult {
  name: string
  context: string
  kubeconfig: string
  server: string
  image: string
  imageBuilt: boolean
  kubernetesVersion: string
  securityMode: string
  nodes: {name: string; role: string; ipv4: string}[]
  durationMs: number
  phases: {step: string; durationMs: number}[]
}

export function createSteps(): Step<CreateContext>[] {
  // The kubeconfig is written last: a create that fails never leaves an entry behind.
  return [checkPreconditions, ensureNodeImage, provisionNodes, kubeadmInit, installCni, waitReady, exportKubeconfig]
}

/** Measures each step while delegating display to the caller's runner. */
class TimedRunner implements StepRunner {
  readonly phases: {step: string; durationMs: number}[] = []
  constructor(private readonly inner: StepRunner) {}
  run<C>(steps: Step<C>[], ctx: C, signal?: AbortSignal): Promise<void> {
    const timed = steps.map((step): Step<C> => ({
      ...step,
      run: async (c, s) => {
        const started = Date.now()
        await step.run(c, s)
        this.phases.push({step: step.title, durationMs: Date.now() - started})
      },
    }))
    return this.inner.run(timed, ctx, signal)
  }
}

export async function createCluster(
  input: CreateOptionsInput,
  {runner = new SequentialStepRunner(), provider = new DockerProvider(), signal = new AbortController().signal}: {runner?: StepRunner; provider?: Provider; signal?: AbortSignal} = {},
): Promise<CreateResult> {
  const options: CreateOptions = resolveCreateOptions(input)
  const started = Date.now()
  const image = options.image ?? imageReference(nodeImageRecipe(options.kubernetesVersion))
  const ctx: CreateContext = {
    options,
    plan: planCluster(options.name),
    provider,
    image,
    imageBuilt: false,
    touchedDocker: false,
    kubeconfigWritten: false,
    buildNodeImage: (step) => buildNodeImageWithin(options.kubernetesVersion, provider, step),
  }
  const timed = new TimedRunner(runner)
  try {
    await timed.run(createSteps(), ctx, signal)
  } catch (error) {
    if (!options.retain) await rollback(ctx)
    throw error
  }
  return {
    name: options.name,
    context: ctx.plan.contextName,
    kubeconfig: options.kubeconfigPath,
    server: `https://127.0.0.1:${ctx.apiServerPort}`,
    image: ctx.image,
    imageBuilt: ctx.imageBuilt,
    kubernetesVersion: options.kubernetesVersion,
    securityMode: ctx.securityMode ?? 'unknown',
    nodes: ctx.controlPlane ? [{name: ctx.controlPlane.name, role: ctx.controlPlane.role, ipv4: ctx.controlPlane.ipv4}] : [],
    durationMs: Date.now() - started,
    phases: timed.phases,
  }
}

async function rollback(ctx: CreateContext): Promise<void> {
  // Never touch what another cluster of the same name owns: only undo what this run started.
  if (ctx.kubeconfigWritten) await removeFromKubeconfig(ctx.options.kubeconfigPath, ctx.plan.contextName).catch(() => {})
  if (ctx.touchedDocker) await ctx.provider.deleteCluster(ctx.plan.name).catch(() => {})
}

async function buildNodeImageWithin(kubernetesVersion: string, provider: Provider, step: StepContext): Promise<boolean> {
  if (!(provider instanceof DockerProvider)) throw new Error('building images needs the Docker provider')
  const built = await buildNodeImage(
    {kubernetesVersion},
    {provider, signal: step.signal, runner: new SequentialStepRunner((event) => event.state !== 'done' && step.report(event.message ? `${event.step}: ${event.message}` : event.step))},
  )
  return !built.reused
}
