// `kcluster build node-image`: the node image steps under the caller's runner.
import {InvalidInputError} from '../errors/index.js'
import {DEFAULT_KUBERNETES_VERSION} from '../config/cluster-options.js'
import {nodeImageSteps, planNodeImage, type NodeImageContext} from '../images/node-image.js'
import {DockerProvider} from '../provider/docker/docker-provider.js'
import {DockerImages} from '../provider/docker/images.js'
import {SequentialStepRunner, type StepRunner} from './step.js'

export interface BuildNodeImageResult {
  image: string
  kubernetesVersion: string
  durationMs: number
  upstreamImages: string[]
}

export async function buildNodeImage(
  input: {kubernetesVersion?: string; image?: string},
  {runner = new SequentialStepRunner(), provider = new DockerProvider(), signal}: {runner?: StepRunner; provider?: DockerProvider; signal?: AbortSignal} = {},
): Promise<BuildNodeImageResult> {
  const kubernetesVersion = input.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION
  if (!/^v1\.34\.\d+$/.test(kubernetesVersion)) {
    throw new InvalidInputError([{field: 'kubernetes-version', message: `${kubernetesVersion} is not supported: kcluster builds v1.34.x (the last line whose kubelet runs on cgroup v1 without opting in)`}])
  }
  await provider.ping()
  const started = Date.now()
  const ctx: NodeImageContext = {plan: planNodeImage(kubernetesVersion, input.image), images: new DockerImages(provider.docker), upstreamImages: []}
  await runner.run(nodeImageSteps(), ctx, signal)
  return {image: ctx.plan.nodeImage, kubernetesVersion, durationMs: Date.now() - started, upstreamImages: ctx.upstreamImages}
}
