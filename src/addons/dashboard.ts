// dashboard: Kubernetes Web View, a web UI that lists and shows every
// resource of the cluster (read-only, Secrets' data hidden), installed here
// from PyPI on Debian's Python. It reads through its own ServiceAccount, so
// no token is needed; it is published on the host's loopback only by default.
// (Headlamp and the Kubernetes Dashboard cannot be built here: the Go module
// proxy serves neither backend.)
import {KUBE_WEB_VIEW_VERSION, dashboardImageRecipe} from '../images/addons/dashboard.js'
import type {Addon, OptionValue} from './addon.js'
import {ipv4Problem, portProblem} from './option-checks.js'
import {reachableAddress} from './options.js'

/** The control plane's port the dashboard pod holds (hostPort); the port front forwards the host port to it. */
export const DASHBOARD_NODE_PORT = 9090

export function dashboardUrl(options: Record<string, OptionValue>): string {
  const address = reachableAddress(options.listenAddress!)
  return `http://${address}:${options.hostPort}/`
}

export const dashboard: Addon = {
  name: 'dashboard',
  description: 'Web UI of the cluster (Kubernetes Web View, read-only) on http://127.0.0.1:9090/',
  upstream: {project: 'kube-web-view', version: KUBE_WEB_VIEW_VERSION, source: 'PyPI: kube-web-view'},
  options: [
    {name: 'listenAddress', description: 'Host address the dashboard is published on', type: 'string', default: '127.0.0.1', check: ipv4Problem},
    {name: 'hostPort', description: 'Host port of the dashboard', type: 'integer', default: 9090, check: portProblem},
  ],
  images: (env) => ({DASHBOARD_IMAGE: dashboardImageRecipe(env)}),
  manifests: ['kube-web-view.yaml'],
  values: () => ({DASHBOARD_NODE_PORT: String(DASHBOARD_NODE_PORT)}),
  hostPorts: (options) => [{hostPort: Number(options.hostPort), listenAddress: String(options.listenAddress), forwardTo: DASHBOARD_NODE_PORT, purpose: 'the dashboard'}],
  readiness: [{kind: 'rollout', resource: 'deployment/kube-web-view', namespace: 'kcluster-dashboard'}],
  message: async ({values}) => `Dashboard: ${dashboardUrl(values.options)} (read-only; no token needed: it reads through its own ServiceAccount)`,
}
