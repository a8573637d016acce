// metrics-server, built here from its Go module: `kubectl top nodes|pods`.
// Kubelets of a local cluster serve self-signed certificates, so it scrapes
// them with --kubelet-insecure-tls, the usual choice for local clusters.
import {goBinaryImageRecipe, goBuilderRecipe} from '../images/index.js'
import type {Addon} from './addon.js'

export const METRICS_SERVER_VERSION = 'v0.8.0'
const MODULE = 'sigs.k8s.io/metrics-server'

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
      ldflags: `-s -w -X ${MODULE}/pkg/version.gitVersion=$VERSION -X ${MODULE}/pkg/version.gitCommit=module -X ${MODULE}/pkg/version.buildDate=1970-01-01T00:00:00Z`,
      entrypoint: ['/usr/local/bin/metrics-server'],
      extra: ['USER 65534'],
    }),
  }),
  manifests: ['metrics-server.yaml'],
  readiness: [
    {kind: 'rollout', resource: 'deployment/metrics-server', namespace: 'kube-system'},
    {kind: 'condition', resource: 'apiservice/v1beta1.metrics.k8s.io', condition: 'Available'},
  ],
  message: async () => 'Try `kubectl top nodes` and `kubectl top pods -A` (the first figures come after two scrapes, about 20 s).',
}
