// `kcluster build node-image`: the node image recipe's steps under the caller's runner.
import {DEFAULT_KUBERNETES_VERSION} from '../config/cluster-options.js'
import {parseKubernetesVersion} from '../config/kubernetes-version.js'
import {InternalError} from '../errors/index.js'
import {PRELOADED_LABEL, nodeImageRecipe, recipeSteps, type EnsuredImage} from '../images/index.js'
import type {ImageBuilder} from '../provider/image-builder.js'
import {SequentialStepRunner, type StepRunner} from '../progress/step.js'

/** The node image built (or found up to date) and the upstream images it carries. */
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
  {provider, runner = new SequentialStepRunner(), signal}: {provider: {ping(): Promise<void>; images: ImageBuilder}; runner?: StepRunner; signal?: AbortSignal},
): Promise<BuildNodeImageResult> {
  const kubernetesVersion = parseKubernetesVersion(input.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION, 'kubernetes-version')
  const recipe = nodeImageRecipe(kubernetesVersion)
  await provider.ping()
  const started = Date.now()
  let ensured: EnsuredImage | undefined
  await runner.run(recipeSteps(recipe, {builder: provider.images, force: input.force, onEnsured: (image) => (ensured = image)}), undefined, signal)
  if (!ensured) throw new InternalError('the node image steps ended without an image')
  const image = input.image ?? ensured.reference
  if (input.image) await provider.images.tag(ensured.reference, input.image)
  return {
    image,
    kubernetesVersion,
    durationMs: Date.now() - started,
    upstreamImages: (ensured.labels[PRELOADED_LABEL] ?? '').split(',').filter(Boolean),
    reused: !ensured.built,
  }
}
