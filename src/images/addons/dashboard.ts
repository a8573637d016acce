// The dashboard addon's image: Kubernetes Web View, a read-only web UI that
// renders every page on the server, from PyPI on Debian's Python. (Headlamp and
// the Kubernetes Dashboard cannot be built here: the Go module proxy serves
// neither backend.)
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {RECIPE_LABEL} from '../../provider/image-builder.js'
import {DEBIAN_RELEASE, debianMirrors} from '../debian-sources.js'
import {debianRootfsRecipe} from '../kinds/debian-rootfs.js'
import {dockerfileRecipe} from '../kinds/dockerfile.js'
import type {NodeImageOptions} from '../node-image.js'
import type {ImageRecipe} from '../recipe.js'

export const KUBE_WEB_VIEW_VERSION = '21.2.0'
const PIP_CACHE_VOLUME = 'kcluster-pip-cache'
const SOURCE = 'images/addons/dashboard/pip'
// Where pip fetches from is this machine's business; none of these change what is installed.
const PASSED_FROM_HOST = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST', 'PIP_DEFAULT_TIMEOUT']

export function dashboardImageRecipe(options: NodeImageOptions = {}): ImageRecipe {
  const {root} = options
  const base = debianRootfsRecipe({
    id: 'python-base',
    title: `Python root filesystem (Debian ${DEBIAN_RELEASE})`,
    repository: 'kcluster/python-base',
    root,
    suite: DEBIAN_RELEASE,
    mirrors: options.mirrors ?? debianMirrors(),
    packageList: 'images/addons/dashboard/python.packages',
  })
  const packages: ImageRecipe = {
    id: 'kube-web-view-packages',
    title: `Install Kubernetes Web View ${KUBE_WEB_VIEW_VERSION} from PyPI`,
    repository: 'kcluster/kube-web-view-packages',
    tagPrefix: KUBE_WEB_VIEW_VERSION,
    root,
    dependencies: [base],
    inputs: {files: [SOURCE], code: [import.meta.url]},
    build: async (ctx) => {
      await ctx.builder.ensureVolume(PIP_CACHE_VOLUME, {'io.kcluster.kind': 'cache', 'io.kcluster.cache': 'pip'})
      const ca = hostCaBundle()
      await ctx.builder.runToCompletion(
        {
          image: ctx.dependencies[base.id]!,
          entrypoint: ['bash', '/src/build.sh'],
          command: [],
          env: {...hostPipEnvironment(), PIP_CACHE_DIR: '/pip-cache', PIP_DISABLE_PIP_VERSION_CHECK: '1', ...(ca ? {PIP_CERT: '/etc/ssl/certs/ca-certificates.crt'} : {})},
          binds: [`${PIP_CACHE_VOLUME}:/pip-cache`, `${join(ctx.root, SOURCE)}:/src:ro`, ...(ca ? [`${ca}:/etc/ssl/certs/ca-certificates.crt:ro`] : [])],
          labels: {'io.kcluster.kind': 'builder', [RECIPE_LABEL]: 'kube-web-view-packages'},
          onLine: (line) => line.startsWith('### ') && ctx.report(line.slice(4)),
          signal: ctx.signal,
        },
        {exportDirectory: {path: '/out', reference: ctx.reference, labels: ctx.labels}},
      )
    },
  }
  return dockerfileRecipe({
    id: 'kube-web-view',
    title: 'Kubernetes Web View image',
    repository: 'kcluster/kube-web-view',
    tagPrefix: KUBE_WEB_VIEW_VERSION,
    root,
    dockerfile: 'images/addons/dashboard/Dockerfile',
    images: {BASE: base, PACKAGES: packages},
  })
}

/** The host's CA bundle, so pip trusts the same TLS proxies this machine does. */
function hostCaBundle(): string | undefined {
  const candidates = [process.env.PIP_CERT, process.env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']
  return candidates.find((file): file is string => !!file && existsSync(file))
}

function hostPipEnvironment(): Record<string, string> {
  return Object.fromEntries(PASSED_FROM_HOST.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])))
}
