// `kcluster build node-image`: the node image steps under the caller's runner.
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {InvalidInputError} from '../errors/index.js'
import {withFileLock} from '../files/lock.js'
import {DEFAULT_KUBERNETES_VERSION} from '../config/cluster-options.js'
import {PRELOADED_LABEL, nodeImageSteps, planNodeImage, type NodeImageContext} from '../images/node-image.js'
import {DockerProvider} from '../provider/docker/docker-provider.js'
import {SequentialStepRunner, type StepRunner} from '../progress/step.js'

export interface BuildNodeImageResult {
  image: string
  kubernetesVersion: string
  durationMs: number
  upstreamImages: string[]
  /** The image existed already with identical inputs; nothing was built. */
  reused: boolean
}

export async function buildNodeImage(
  input: {kubernetesVersion?: string; image?: string; force?: boolean},
  {runner = new SequentialStepRunner(), provider = new DockerProvider(), signal}: {runner?: StepRunner; provider?: DockerProvider; signal?: AbortSignal} = {},
): Promise<BuildNodeImageResult> {
  const kubernetesVersion = input.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION
  if (!/^v1\.34\.\d+$/.test(kubernetesVersion)) {
    throw new InvalidInputError([{field: 'kubernetes-version', message: `${kubernetesVersion} is not supported: kcluster builds v1.34.x (the last line whose kubelet runs on cgroup v1 without opting in)`}])
  }
  await provider.ping()
  const started = Date.now()
  const ctx: NodeImageContext = {plan: planNodeImage(kubernetesVersion, input.image), images: provider.images as never, upstreamImages: []}
  mkdirSync(ctx.plan.cache, {recursive: true})
  // One build at a time per machine: concurrent creates wait for the first one's image.
  return withFileLock(
    join(ctx.plan.cache, 'node-image-build'),
    async () => {
      // The tag names the hash of every input: an existing image is this build's result.
      const existing = (await ctx.images.exists(ctx.plan.nodeImage)) && !input.force ? await ctx.images.labels(ctx.plan.nodeImage) : undefined
      if (existing?.[PRELOADED_LABEL]) {
        return {image: ctx.plan.nodeImage, kubernetesVersion, durationMs: Date.now() - started, upstreamImages: existing[PRELOADED_LABEL].split(','), reused: true}
      }
      await runner.run(nodeImageSteps(), ctx, signal)
      return {image: ctx.plan.nodeImage, kubernetesVersion, durationMs: Date.now() - started, upstreamImages: ctx.upstreamImages, reused: false}
    },
    {timeoutMs: 90 * 60_000, staleMs: 3 * 3600_000},
  )
}
