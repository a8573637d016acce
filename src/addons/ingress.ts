// ingress: Traefik, built here from its Go module, as the cluster's Ingress
// controller (default IngressClass `traefik`) and Gateway API implementation
// (GatewayClass `traefik`, a shared Gateway kcluster-ingress/default). It
// runs on the control planes' ports 80 and 443; port fronts publish them on
// the host. The Gateway API CRDs come from the Traefik image: the standard
// channel of the version Traefik is built against.
import {GATEWAY_API_CRDS_PATH, TRAEFIK_VERSION, traefikImageRecipe} from '../images/addons/ingress.js'
import type {Addon} from './addon.js'
import {ipv4Problem, portProblem} from './option-checks.js'
import {reachableAddress} from './options.js'

const NAMESPACE = 'kcluster-ingress'

/** The address Ingresses and Gateways report: where the host reaches the ports (0.0.0.0 is reached at 127.0.0.1). */

export const ingress: Addon = {
  name: 'ingress',
  description: 'Ingress controller and Gateway API (Traefik) on host ports 80 and 443; http://<name>.localtest.me reaches an Ingress of that host',
  upstream: {project: 'Traefik', version: TRAEFIK_VERSION, source: 'github.com/traefik/traefik/v3'},
  options: [
    {name: 'listenAddress', description: 'Host address the HTTP and HTTPS ports are published on', type: 'string', default: '127.0.0.1', check: ipv4Problem},
    {name: 'httpPort', description: 'Host port for HTTP', type: 'integer', default: 80, check: portProblem},
    {name: 'httpsPort', description: 'Host port for HTTPS (Traefik\'s default certificate)', type: 'integer', default: 443, check: portProblem},
  ],
  images: (env) => ({TRAEFIK_IMAGE: traefikImageRecipe(env)}),
  imageManifests: [{image: 'TRAEFIK_IMAGE', path: GATEWAY_API_CRDS_PATH, kinds: ['customresourcedefinition.apiextensions.k8s.io']}],
  manifests: ['traefik.yaml'],
  values: ({options}) => ({INGRESS_ADDRESS: reachableAddress(options.listenAddress!)}),
  hostPorts: (options) => [
    {hostPort: Number(options.httpPort), listenAddress: String(options.listenAddress), forwardTo: 80, purpose: 'HTTP of the ingress controller'},
    {hostPort: Number(options.httpsPort), listenAddress: String(options.listenAddress), forwardTo: 443, purpose: 'HTTPS of the ingress controller'},
  ],
  readiness: [
    {kind: 'rollout', resource: 'daemonset/traefik', namespace: NAMESPACE},
    {kind: 'condition', resource: 'gatewayclass/traefik', condition: 'Accepted'},
    {kind: 'condition', resource: 'gateway/default', namespace: NAMESPACE, condition: 'Programmed'},
  ],
  message: async ({values: {options}}) => {
    const address = reachableAddress(options.listenAddress!)
    const http = `http://${address}${options.httpPort === 80 ? '' : `:${options.httpPort}`}`
    return [
      `Ingresses (class traefik, the default) and HTTPRoutes answer on ${http} and https://${address}${options.httpsPort === 443 ? '' : `:${options.httpsPort}`}:`,
      `an Ingress for host web.localtest.me is ${http.replace(address, 'web.localtest.me')}/ (localtest.me names 127.0.0.1).`,
      `Gateway API: GatewayClass traefik, and Gateway ${NAMESPACE}/default on port 80 takes HTTPRoutes of every namespace.`,
    ].join('\n')
  },
}
