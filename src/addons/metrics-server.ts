// metrics-server, built here from its Go module: `kubectl top nodes|pods`.
// Kubelets of a local cluster serve self-signed certificates, so it scrapes
// them with --kubelet-insecure-tls, the usual choice for local clusters.
import {goBinaryImageRecipe, goBuilderRecipe} from '../images/index.js'
import type {Addon, AddonRuntime} from './addon.js'
import {conditionProblem} from './readiness.js'

export const METRICS_SERVER_VERSION = 'v0.8.0'
const MODULE = 'sigs.k8s.io/metrics-server'

const API_SERVICE = 'v1beta1.metrics.k8s.io'
let nudged = 0

/**
 * The API server checks an APIService again only after a back-off once a
 * check failed (as the first ones do, before the pod serves): touching it
 * makes the check run now instead of minutes later.
 */
async function apiServiceAvailable(runtime: AddonRuntime): Promise<string | undefined> {
  const problem = conditionProblem(JSON.parse(await runtime.kubectl(['get', `apiservice/${API_SERVICE}`, '-o', 'json'])), 'Available')
  if (problem && Date.now() - nudged > 5000) {
    nudged = Date.now()
    await runtime.kubectl(['annotate', '--overwrite', `apiservice/${API_SERVICE}`, `kcluster.dev/checked=${nudged}`])
  }
  return problem
}

export const metricsServer: Addon = {
  name: 'metrics-server',
  description: 'Resource metrics of nodes and pods for `kubectl top` and autoscalers (metrics.k8s.io)',
  upstream: {project: 'metrics-server', version: METRICS_SERVER_VERSION, source: MODULE},
  images: (env) => ({
    METRICS_SERVER_IMAGE: goBinaryImageRecipe({
      id: 'metrics-server',
      title: `metrics-server ${METRICS_SERVER_VERSION} image`,
      repository: 'kcluster/metrics-server',
      root: env.root,
      builder: goBuilderRecipe(env),
      module: MODULE,
      version: METRICS_SERVER_VERSION,
      programs: {'metrics-server': './cmd/metrics-server'},
      // Stamped where upstream's Makefile stamps it: client-go's version package, which the API server library reads.
      ldflags: '-s -w -X k8s.io/client-go/pkg/version.gitVersion=$VERSION -X k8s.io/client-go/pkg/version.gitCommit=module -X k8s.io/client-go/pkg/version.buildDate=1970-01-01T00:00:00Z',
      entrypoint: ['/usr/local/bin/metrics-server'],
      extra: ['USER 65534'],
    }),
  }),
  manifests: ['metrics-server.yaml'],
  manifestsWhenReady: ['apiservice.yaml'],
  readiness: [
    {kind: 'rollout', resource: 'deployment/metrics-server', namespace: 'kube-system'},
    {kind: 'probe', what: 'apiservice/v1beta1.metrics.k8s.io Available', probe: apiServiceAvailable},
  ],
  message: async () => 'Try `kubectl top nodes` and `kubectl top pods -A` (the first figures come after two scrapes, about 20 s).',
}
