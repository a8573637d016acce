// Where create gets node images from: the image recipes, through the provider's image builder.
import {UsageError} from '../errors/index.js'
import {KUBERNETES_VERSION_LABEL, planNodeImage} from '../images/node-image.js'
import {SequentialStepRunner} from '../progress/step.js'
import type {Provider} from '../provider/types.js'
import {buildNodeImage} from './build-node-image.js'
import type {NodeImages} from './create-context.js'

export function nodeImagesFrom(provider: Provider): NodeImages {
  return {
    ensureDefault: async (kubernetesVersion, step) => {
      const reference = planNodeImage(kubernetesVersion).nodeImage
      if (await provider.images.inspect(reference)) return {reference, built: false}
      const built = await buildNodeImage(
        {kubernetesVersion},
        {provider: provider as never, signal: step.signal, runner: new SequentialStepRunner((event) => event.state !== 'done' && step.report(event.message ? `${event.step}: ${event.message}` : event.step))},
      )
      return {reference: built.image, built: !built.reused}
    },
    versionOf: async (reference) => {
      const info = await provider.images.inspect(reference)
      if (!info) throw new UsageError(`node image ${reference} does not exist`, 'build it with `kcluster build node-image --image <name>` or leave out --image')
      return info.labels[KUBERNETES_VERSION_LABEL]
    },
  }
}
