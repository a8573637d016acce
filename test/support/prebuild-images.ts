// Run by `npm test` (scripts/test.mjs) beside the tests: builds, one after another, the images the e2e files
// need, in the order they first need them. On a fresh machine the addons' builds (tens of CPU-minutes of Go)
// then overlap the earlier e2e files, which mostly wait on clusters; on a warm one every image is found in a
// second. A test that needs an image before it is done waits on the image's build lock and finds it built; a
// build that fails here is tried again by the test that needs it, which reports it.
import {CATALOG} from '../../src/addons/index.js'
import {DEFAULT_KUBERNETES_VERSION} from '../../src/config/cluster-options.js'
import {debianMirrors, ensureImage, kineImageRecipe, loadBalancerImageRecipe, nodeImageRecipe, type ImageRecipe} from '../../src/images/index.js'
import {DockerProvider} from '../../src/provider/docker/docker-provider.js'

const provider = new DockerProvider()
const mirrors = debianMirrors()
const addonRecipes = (name: string): ImageRecipe[] => {
  const addon = CATALOG.find((a) => a.name === name)
  return addon ? [...Object.values(addon.images?.({mirrors}) ?? {}), ...Object.values(addon.hostImages?.({mirrors}) ?? {})] : []
}

// e2e 00 the node image, 30 the load balancer, 35 kine, 60 metrics-server and the registry, 61 ingress and dashboard, 62 MetalLB.
const order: [string, ImageRecipe[]][] = [
  ['node image', [nodeImageRecipe(DEFAULT_KUBERNETES_VERSION)]],
  ['load balancer', [loadBalancerImageRecipe()]],
  ['kine', [kineImageRecipe()]],
  ...['metrics-server', 'registry', 'ingress', 'dashboard', 'load-balancer'].map((name): [string, ImageRecipe[]] => [`addon ${name}`, addonRecipes(name)]),
]

const controller = new AbortController()
process.on('SIGTERM', () => controller.abort(new Error('the tests ended')))
const started = Date.now()
const log = (message: string) => console.log(`[prebuild +${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`)
for (const [what, recipes] of order) {
  for (const recipe of recipes) {
    const t = Date.now()
    try {
      const ensured = await ensureImage(recipe, {builder: provider.images, signal: controller.signal, report: (m) => log(`${recipe.id}: ${m}`)})
      log(`${what}: ${ensured.reference} ${ensured.built ? 'built' : 'present'} in ${((Date.now() - t) / 1000).toFixed(1)} s`)
    } catch (error) {
      if (controller.signal.aborted) process.exit(0)
      log(`${what}: ${recipe.id} failed (the test that needs it builds it again): ${String((error as Error)?.message ?? error)}`)
    }
  }
}
log('done')
