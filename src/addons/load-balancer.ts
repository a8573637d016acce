// load-balancer: Services of type LoadBalancer get an address of the cluster's
// Docker network, which the host reaches. MetalLB, built here from its Go
// module, in layer 2 mode: the controller hands out addresses of a pool
// carved from the network (load-balancer-pool.ts), the speaker of the node
// chosen for a Service answers ARP for it on the network, and kube-proxy on
// that node sends what arrives to the Service's pods. Speakers elect the
// announcing node from node readiness alone (memberlist is left off: one
// Docker bridge needs no faster failure detection). The CRDs are those the
// module ships, read from the image built of it.
import {goBinaryImageRecipe, goBuilderRecipe} from '../images/index.js'
import type {Addon, AddonImageEnvironment, AddonRuntime, AddonValues} from './addon.js'
import {poolOf, rangeProblem} from './load-balancer-pool.js'

export const METALLB_VERSION = 'v0.15.2'
const MODULE = 'go.universe.tf/metallb'
export const METALLB_NAMESPACE = 'metallb-system'
/** In the image: the manifests of the version built (upstream's "native" install), whose CRDs are applied. */
export const METALLB_MANIFESTS_PATH = '/usr/local/share/metallb/metallb-native.yaml'
const WEBHOOK = 'validatingwebhookconfiguration/metallb-webhook-configuration'

export function metallbImageRecipe(env: AddonImageEnvironment) {
  return goBinaryImageRecipe({
    id: 'metallb',
    title: `MetalLB ${METALLB_VERSION} image (controller and speaker)`,
    repository: 'kcluster/metallb',
    root: env.root,
    builder: goBuilderRecipe(env),
    module: MODULE,
    version: METALLB_VERSION,
    programs: {controller: './controller', speaker: './speaker'},
    // Upstream's build stamps commit and branch only; the version is in its source.
    ldflags: `-s -w -X ${MODULE}/internal/version.gitCommit=module -X ${MODULE}/internal/version.gitBranch=$VERSION`,
    moduleFiles: {'config/manifests/metallb-native.yaml': METALLB_MANIFESTS_PATH},
    entrypoint: ['/usr/local/bin/controller'],
  })
}

export const loadBalancer: Addon = {
  name: 'load-balancer',
  description: 'Services of type LoadBalancer get an address on the cluster network that the host reaches (MetalLB, layer 2)',
  upstream: {project: 'MetalLB', version: METALLB_VERSION, source: MODULE},
  options: [
    {
      name: 'range',
      description: 'Addresses Services get, as FIRST-LAST or a CIDR inside the cluster network (default: .150-.199 of its /24)',
      type: 'string',
      default: '',
      check: (value) => rangeProblem(String(value)),
    },
  ],
  images: (env) => ({METALLB_IMAGE: metallbImageRecipe(env)}),
  imageManifests: [{image: 'METALLB_IMAGE', path: METALLB_MANIFESTS_PATH, kinds: ['customresourcedefinition.apiextensions.k8s.io']}],
  manifests: ['metallb.yaml'],
  // The pool and its announcement go through MetalLB's webhook, which must serve first.
  manifestsWhenReady: ['pool.yaml'],
  values: (values) => ({POOL_RANGE: poolOf(values).range, SPEAKER_ARGS: JSON.stringify(speakerArgs(values))}),
  clusterProblems: (values) => {
    const {problem} = poolOf(values)
    return problem ? [{option: 'range', message: problem}] : []
  },
  readiness: [
    {kind: 'rollout', resource: 'deployment/controller', namespace: METALLB_NAMESPACE},
    {kind: 'rollout', resource: 'daemonset/speaker', namespace: METALLB_NAMESPACE},
    {kind: 'probe', what: 'webhook of MetalLB has its CA', probe: async (runtime) => webhookProblem(JSON.parse(await runtime.kubectl(['get', WEBHOOK, '-o', 'json'])))},
    {kind: 'probe', what: 'MetalLB took the address pool', probe: async (runtime) => poolStatusProblem(JSON.parse(await runtime.kubectl(['get', 'ipaddresspool/default', '-n', METALLB_NAMESPACE, '-o', 'json'])))},
  ],
  whileStarting: (runtime) => refreshWebhookCertificate(runtime),
  message: async ({values}) =>
    `Services of type LoadBalancer get an address of ${poolOf(values).range} on ${values.network.name}; the host reaches it directly, e.g. \`curl http://$(kubectl get service NAME -o jsonpath='{.status.loadBalancer.ingress[0].ip}')/\`.`,
}

/**
 * kubeadm labels every control plane node.kubernetes.io/exclude-from-external-load-balancers,
 * which the speaker honours; a cluster without workers would then announce nothing.
 */
export function speakerArgs(values: Pick<AddonValues, 'nodes'>): string[] {
  const lone = !values.nodes.some((n) => n.role === 'worker')
  return ['--port=7472', '--log-level=info', ...(lone ? ['--ignore-exclude-lb'] : [])]
}

const CERT_ANNOTATION = 'kcluster.dev/webhook-certificate'

/**
 * The controller writes its webhook's certificate into a Secret its own pod mounts, and serves (webhook,
 * /metrics, hence readiness) only once the files show there. The kubelet refreshes a mounted Secret when it next
 * syncs the pod: up to a minute later, often after the liveness probe restarted the pod (measured: 65–90 s
 * instead of 3). An annotation naming the Secret's version changes the pod, which the kubelet syncs at once.
 */
export async function refreshWebhookCertificate(runtime: AddonRuntime): Promise<void> {
  const secretText = await runtime.kubectl(['get', 'secret/metallb-webhook-cert', '-n', METALLB_NAMESPACE, '--ignore-not-found', '-o', 'json'])
  const secret = secretText.trim() ? JSON.parse(secretText) : undefined
  const version = secret?.data?.['tls.crt'] ? String(secret.metadata.resourceVersion) : undefined
  if (!version) return
  const pods = JSON.parse(await runtime.kubectl(['get', 'pods', '-n', METALLB_NAMESPACE, '-l', 'app=metallb,component=controller', '-o', 'json']))
  for (const name of podsToRefresh(pods, version)) {
    await runtime.kubectl(['annotate', 'pod', name, '-n', METALLB_NAMESPACE, '--overwrite', `${CERT_ANNOTATION}=${version}`])
  }
}

/** Running pods not Ready yet that were not told of this version of the certificate. */
export function podsToRefresh(pods: any, version: string): string[] {
  return (pods?.items ?? [])
    .filter((pod: any) => pod?.metadata?.annotations?.[CERT_ANNOTATION] !== version)
    .filter((pod: any) => !(pod?.status?.conditions ?? []).some((c: any) => c?.type === 'Ready' && c?.status === 'True'))
    .map((pod: any) => String(pod.metadata.name))
}

/** The controller writes its CA into each webhook once its certificate is made; until then the API server cannot call it. */
export function webhookProblem(configuration: any): string | undefined {
  const hooks: any[] = configuration?.webhooks ?? []
  const missing = hooks.filter((h) => !h?.clientConfig?.caBundle).map((h) => h?.name)
  if (hooks.length === 0) return 'it has no webhooks'
  return missing.length > 0 ? `no CA yet in ${missing.join(', ')}` : undefined
}

/** The controller counts the pool's addresses once it has taken the pool. */
export function poolStatusProblem(pool: any): string | undefined {
  const status = pool?.status ?? {}
  const total = Number(status.availableIPv4 ?? 0) + Number(status.assignedIPv4 ?? 0)
  return total > 0 ? undefined : 'the controller has not counted its addresses yet'
}
