// Where create gets its images from: the image recipes, through the provider's image builder.
import {UsageError} from '../errors/index.js'
import {ensureImage, KUBERNETES_VERSION_LABEL, kineImageRecipe, loadBalancerImageRecipe, nodeImageRecipe, BUNDLED_IMAGES_LABEL} from '../images/index.js'
import type {Provider} from '../provider/types.js'
import type {ClusterImages, NodeImageFacts} from './create-context.js'

/** Where a create gets its images: built from their recipes through the provider when missing. */
export function clusterImagesFrom(provider: Pick<Provider, 'images'>): ClusterImages {
  return {
    ensureDefault: async (kubernetesVersion, step) => {
      const ensured = await ensureImage(nodeImageRecipe(kubernetesVersion), {builder: provider.images, report: step.report, signal: step.signal})
      return {reference: ensured.reference, built: ensured.built}
    },
    ensureLoadBalancer: async (step) => {
      const ensured = await ensureImage(loadBalancerImageRecipe(), {builder: provider.images, report: step.report, signal: step.signal})
      return {reference: ensured.reference}
    },
    ensureKine: async (step) => {
      const ensured = await ensureImage(kineImageRecipe(), {builder: provider.images, report: step.report, signal: step.signal})
      return {reference: ensured.reference}
    },
    describe: async (reference) => {
      const info = await provider.images.inspect(reference)
      if (!info) throw new UsageError(`node image ${reference} does not exist`, 'build it with `kcluster build node-image --image <name>` or leave out --image')
      return nodeImageFacts(info.labels)
    },
  }
}

/** Reads what a node image's labels say it carries. */
export function nodeImageFacts(labels: Record<string, string>): NodeImageFacts {
  const bundled = Object.fromEntries((labels[BUNDLED_IMAGES_LABEL] ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]))
  const version = labels[KUBERNETES_VERSION_LABEL]
  return version ? {kubernetesVersion: version, bundled} : {bundled}
}
