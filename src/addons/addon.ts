// What an addon is: one small module that declares what it installs. The
// mechanism (src/lifecycle/addons) does the rest the same way for every addon:
// validates options, names taken host ports, builds and loads images, renders
// and applies manifests with labels, waits for readiness, rolls back a failed
// enable, and removes exactly what carries the addon's label on disable.
//
// Contract for authors (keep it stable: other addons are written against it):
// - An addon module exports one `Addon` object and is listed in catalog.ts.
// - It never talks to Docker or runs kubectl itself, except through the
//   `AddonRuntime` handed to `readiness` probes and `message`.
// - Its manifests live under templates/addons/<name>/ and use {{PLACEHOLDER}}s
//   (see `AddonValues` for the ones always available). They need not carry
//   kcluster's labels: the mechanism adds them to every object.
import type {DebianMirrors} from '../images/debian-sources.js'
import type {ImageRecipe} from '../images/recipe.js'

/** Label on every object an addon installs, whose value is the addon's name: list and disable read it back. */
export const ADDON_LABEL = 'kcluster.dev/addon'
/** Label on every object an addon installs, beside ADDON_LABEL. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
export const MANAGED_BY_VALUE = 'kcluster'

/** A value of an option, as the config file or the command line gives it. */
export type OptionValue = string | number | boolean

/** One option of an addon, validated before anything is installed. */
export interface AddonOption {
  /** camelCase name, as written in the config file (`addons[].options.<name>`) and on the command line (`--option name=value`). */
  name: string
  description: string
  type: 'string' | 'integer' | 'boolean'
  /** Used when the option is not given. */
  default: OptionValue
  /** The only values allowed, when the option is one of a few. */
  enum?: string[]
  /** Further rules: a sentence saying what is wrong with the value, or undefined when it is fine. */
  check?(value: OptionValue): string | undefined
}

/**
 * A host port the addon needs, checked free before anything is installed.
 * With `forwardTo`, the mechanism publishes it with a port front (as `kcluster
 * port add` does) to that port of the first control-plane node (a `hostPort`
 * of the addon's pods, or a NodePort), labelled with the addon, removed on
 * disable. Without it, the addon's own host container publishes it.
 */
export interface AddonHostPort {
  hostPort: number
  /** Host address to publish on, e.g. 127.0.0.1 (default) or 0.0.0.0. */
  listenAddress?: string
  protocol?: 'tcp' | 'udp'
  /** Port on the first control-plane node that the port front forwards to. */
  forwardTo?: number
  /** What it is for, in messages ("HTTP of the ingress controller"). */
  purpose: string
}

/**
 * The values every manifest template may use, besides the addon's own
 * (`Addon.values`) and its images (`Addon.images`, by placeholder):
 * {{CLUSTER_NAME}}, {{NETWORK_NAME}}, {{NETWORK_SUBNET}}, {{NETWORK_GATEWAY}},
 * {{CONTROL_PLANE_IP}}, {{NODE_IPS}} (comma-separated), {{API_SERVER_HOST}}
 * and {{API_SERVER_PORT}} (the API server by address on the cluster network,
 * for pods that must not wait for kube-proxy), and each option as
 * {{OPTION_<NAME IN UPPER_SNAKE_CASE>}} (`listenAddress` → {{OPTION_LISTEN_ADDRESS}}).
 */
export interface AddonValues {
  cluster: string
  network: {name: string; subnet: string; gateway: string}
  nodes: {name: string; role: 'control-plane' | 'worker'; ipv4: string}[]
  /** The first control-plane node: where forwarded host ports arrive. */
  controlPlane: {name: string; ipv4: string}
  apiServer: {host: string; port: number}
  /** Every option, defaulted and validated. */
  options: Record<string, OptionValue>
}

/** What probes and messages may do in the cluster. */
export interface AddonRuntime {
  /** kubectl inside a control-plane node, as the cluster admin; throws with its output when it exits non-zero. */
  kubectl(args: string[], options?: {stdin?: string; signal?: AbortSignal}): Promise<string>
  values: AddonValues
  signal: AbortSignal
}

/**
 * One thing that must be true before the addon counts as ready. The
 * mechanism asks all of an addon's checks once for `addons list` (state
 * `not-ready` when one fails) and polls them after `enable`.
 */
export type ReadinessCheck =
  /** Every replica of a Deployment, StatefulSet or DaemonSet updated and available. */
  | {kind: 'rollout'; resource: `${'deployment' | 'statefulset' | 'daemonset'}/${string}`; namespace: string}
  /** A condition of an object is True, e.g. apiservice/v1beta1.metrics.k8s.io Available. */
  | {kind: 'condition'; resource: string; namespace?: string; condition: string}
  /** Anything else: undefined when ready, else a sentence saying what is still missing. */
  | {kind: 'probe'; what: string; probe(runtime: AddonRuntime): Promise<string | undefined>}

/**
 * A container the addon runs beside the cluster on the Docker engine, rather
 * than in it (the registry). `shared`: one container for every cluster of the
 * machine, connected to the network of each cluster that enabled the addon,
 * removed when the last one disables it (its volumes stay).
 */
export interface AddonHostContainer {
  /** Container name, also its network alias on each cluster network. */
  name: string
  /** Placeholder key of `Addon.hostImages`. */
  image: string
  shared: true
  /** Published ports (list them in `hostPorts` too, without forwardTo). */
  ports: {hostPort: number; containerPort: number; listenAddress: string}[]
  /** Named Docker volumes (kept when the container goes) → path in the container. */
  volumes?: Record<string, string>
  env?: Record<string, string>
  command?: string[]
  /** A port on the container that answers TCP once it serves. */
  readyPort?: number
}

/** Where image recipes get what they need; handed to `Addon.images` when an image is needed. */
export interface AddonImageEnvironment {
  /** kcluster's package root (images/, templates/). */
  root?: string
  mirrors: DebianMirrors
}

/** A file written into every node on enable (and into nodes created later with the addon), removed on disable. */
export interface AddonNodeFile {
  path: string
  content: string
}

export interface Addon {
  /** DNS-1123 name, what users type: `kcluster addons enable <name>`. */
  name: string
  /** One line: what it installs and what it is for. */
  description: string
  /** The upstream project and version built here. */
  upstream: {project: string; version: string; source: string}
  /** Enabled by `create` unless the config or flags say otherwise. */
  defaultEnabled?: boolean
  options?: AddonOption[]
  /**
   * Images the manifests use, by placeholder ({{METRICS_SERVER_IMAGE}} → recipe).
   * Built on first use (cached by input hash), then loaded into every node's
   * containerd; manifests must say `imagePullPolicy: Never` or `IfNotPresent`.
   * An image the node image already carries (by recipe id) is not loaded again.
   */
  images?(env: AddonImageEnvironment): Record<string, ImageRecipe>
  /** Images of host containers, by placeholder; built on first use, never loaded into nodes. */
  hostImages?(env: AddonImageEnvironment): Record<string, ImageRecipe>
  /** Manifest templates, relative to templates/addons/<name>/, applied in this order (server-side apply). */
  manifests: string[]
  /**
   * Manifests that travel inside one of the addon's images (`image`: its placeholder in `images`), applied
   * before the templates: what the upstream module ships in the version built here (CRDs), never copied
   * into kcluster. Only objects of `kinds` (as kubectl names them) are taken, so list and disable know
   * them without the image.
   */
  imageManifests?: {image: string; path: string; kinds: string[]}[]
  /**
   * Templates applied only once the `rollout` checks pass: objects whose
   * backend must serve before the API server first asks it (an APIService,
   * which the API server otherwise asks while kube-proxy may not route its
   * Service yet, then keeps asking over that first connection).
   */
  manifestsWhenReady?: string[]
  /** More {{PLACEHOLDER}} values of this addon's templates, from the cluster and the options. */
  values?(values: AddonValues): Record<string, string>
  /**
   * What is wrong with the options for this cluster (an address outside its
   * network), checked before anything is built or installed; each problem
   * names its option and is reported at that option's field.
   */
  clusterProblems?(values: AddonValues): {option: string; message: string}[]
  hostPorts?(options: Record<string, OptionValue>): AddonHostPort[]
  hostContainer?(options: Record<string, OptionValue>): AddonHostContainer
  nodeFiles?(values: AddonValues): AddonNodeFile[]
  readiness: ReadinessCheck[]
  /**
   * Called on each look at the readiness while enable waits: for what the cluster only does on a change it is
   * told of. Never called by `addons list` or `status`, which only ask.
   */
  whileStarting?(runtime: AddonRuntime): Promise<void>
  /** What `enable` tells the user once the addon is ready: a URL, a token, the next command. */
  message?(runtime: AddonRuntime): Promise<string>
}
