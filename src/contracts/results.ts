// The `result` of each command's --json envelope, one schema per command.
// test/unit/contracts.test.ts holds each to the type its command returns.
import {anyOf, anything, array, boolean, constant, integer, map, nullable, object, oneOf, optional, string} from './schema.js'

const name = string('The cluster name')
const context = string('The kubeconfig context of the cluster, kcluster-<name>')
const durationMs = integer('Milliseconds the command took', {minimum: 0})
const ipv4 = string('Address on the cluster network')
const server = string('The API server as published on this machine (https://127.0.0.1:<port>)', {format: 'uri'})
const nodeRole = oneOf(['control-plane', 'worker'])
const protocol = oneOf(['tcp', 'udp', 'sctp'])
const hostPort = integer(undefined, {minimum: 0, maximum: 65535})
const port = integer(undefined, {minimum: 1, maximum: 65535})
const hooks = optional(
  array(
    object({
      event: oneOf(['post-create', 'pre-delete', 'post-delete', 'post-start', 'pre-stop']),
      name: string(),
      source: oneOf(['config', 'directory'], "Declared in the cluster's config, or found in the hooks directory"),
      durationMs,
      failed: boolean(),
      error: optional(string('Why it failed')),
    }),
    'The lifecycle hooks that ran; absent when there were none',
  ),
)
const clusterLabels = map(string(), "The user's labels of the cluster (create --label, the config file's labels), on its containers, networks and volumes")
const expiresAt = optional(string('When `kcluster prune` may delete the cluster (create --ttl)', {format: 'date-time'}))
const profile = oneOf(['default', 'light'], 'What backs the API server: default is etcd (kubeadm\'s static pod); light is kine on SQLite (create --profile light)')
const warnings = array(object({field: string('The config field, as a path'), message: string()}), 'Fields of the config file kcluster did not honour as asked')

const createdCluster = object(
  {
    name,
    context,
    kubeconfig: string('The kubeconfig file the context was merged into'),
    server,
    image: string('The node image'),
    imageBuilt: boolean('The node image was built by this create'),
    kubernetesVersion: string(),
    profile,
    securityMode: string('How node containers get their powers: privileged or restricted'),
    network: object({name: string('Docker network'), subnet: string()}),
    nodes: array(object({name: string('Kubernetes node name'), containerName: string(), role: string(), ipv4, state: constant('running')}), 'Every node as created; all run when create returns'),
    loadBalancer: optional(object({name: string(), containerName: string(), ipv4, state: constant('running')}, 'In front of the API servers, when there are several control planes')),
    durationMs,
    labels: clusterLabels,
    expiresAt,
    phases: array(object({step: string('Title of the step'), stepId: string('Stable name of the step'), durationMs}), 'How long each step took'),
    warnings,
    hooks,
  },
  'A cluster that create made and that runs',
)

const dryRunPort = object({hostAddress: string(), hostPort: nullable(hostPort, 'null: chosen at create, then pinned'), containerPort: port, protocol, field: optional(string('The config field that asked for it, when one did'))})

const dryRun = object(
  {
    dryRun: constant(true),
    name,
    context,
    kubeconfig: string('The kubeconfig file create would merge the context into'),
    image: nullable(string(), "The cluster's node image; null: the default one for kubernetesVersion, built at create when missing"),
    kubernetesVersion: nullable(string(), 'null: the version the image says it carries, read at create'),
    profile,
    network: object({name: string(), subnet: string(), gateway: string()}),
    apiServer: object({hostAddress: string(), hostPort: nullable(hostPort), server: nullable(string()), endpoint: string('How nodes reach it on the cluster network (host:port)')}),
    loadBalancer: nullable(object({name: string(), containerName: string(), ipv4, ports: array(dryRunPort)})),
    nodes: array(
      object({
        name: string(),
        containerName: string(),
        role: nodeRole,
        bootstrap: oneOf(['init', 'join-control-plane', 'join-worker']),
        image: nullable(string(), 'null: the default node image'),
        ipv4,
        ports: array(dryRunPort),
        mounts: array(object({hostPath: string(), containerPath: string(), readOnly: boolean(), propagation: oneOf(['None', 'HostToContainer', 'Bidirectional']), selinuxRelabel: boolean()})),
        labels: map(string()),
        taints: array(object({key: string(), value: optional(string()), effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])})),
      }),
    ),
    podSubnet: string(),
    serviceSubnet: string(),
    kubeProxyMode: oneOf(['iptables', 'ipvs', 'nftables', 'none']),
    disableDefaultCNI: boolean(),
    featureGates: map(boolean()),
    runtimeConfig: map(string()),
    proxy: nullable(
      object({httpProxy: nullable(string()), httpsProxy: nullable(string()), noProxy: array(string(), "The user's entries first, then the cluster's own names, addresses and subnets")}),
      "What the nodes get from create's HTTP_PROXY, HTTPS_PROXY and NO_PROXY (passwords hidden); null without a proxy",
    ),
    clusterLabels,
    ttl: nullable(string(), '--ttl as asked (Go duration); the expiry is counted from the claim at create. null: never expires'),
    warnings,
    notes: array(string(), 'What may differ at create, in words'),
  },
  'create --dry-run: the validated plan; nothing was created',
)

export const CREATE_RESULT = anyOf([createdCluster, dryRun], 'The cluster created, or with --dry-run the plan')

export const DELETE_RESULT = object({
  deleted: array(
    object({
      name,
      existed: boolean('false: there was nothing to delete'),
      containers: integer('Containers removed', {minimum: 0}),
      volumes: integer('Volumes removed', {minimum: 0}),
      networks: integer('Networks removed', {minimum: 0}),
      kubeconfigEntryRemoved: boolean(),
    }),
  ),
  kubeconfig: string('The kubeconfig file the entries were removed from'),
  hooks,
})

export const LIST_RESULT = object({
  clusters: array(
    object({
      name,
      state: oneOf(['running', 'stopped', 'degraded', 'incomplete'], 'running: every node runs; stopped: none does; degraded: some do; incomplete: a create never finished (or still runs)'),
      server: optional(server),
      nodes: array(object({name: string(), containerName: string(), role: nodeRole, state: string("The engine's container state"), image: string(), ipv4})),
      loadBalancer: optional(object({containerName: string(), state: string(), ipv4})),
      labels: clusterLabels,
      expiresAt,
      profile: optional(string('What backs the API server when it is not the default (etcd): light (create --profile light, kine on SQLite)')),
      creator: optional(
        object(
          {
            host: string(),
            pid: integer(),
            bootId: optional(string("The kernel's boot id (Linux)")),
            pidNamespace: optional(string('The pid namespace, its inode number (Linux)')),
            startTime: optional(string("The process's start time, clock ticks since boot (Linux)")),
            claimedAt: optional(string('When the create claimed the name', {format: 'date-time'})),
          },
          'The process running the create that holds the name, while the cluster is incomplete; prune deletes the cluster only once it is gone',
        ),
      ),
    }),
  ),
})

export const PRUNE_RESULT = object({
  dryRun: boolean('true: nothing was removed; pruned lists what would be'),
  pruned: array(
    object({
      name,
      reason: oneOf(['expired', 'orphaned'], 'expired: past its expiry (create --ttl); orphaned: the create that made it ended without finishing, or only remains are left'),
      detail: string('The reason in words'),
      expiresAt,
      containers: optional(integer('Containers removed; absent in a dry run', {minimum: 0})),
      volumes: optional(integer('Volumes removed; absent in a dry run', {minimum: 0})),
      networks: optional(integer('Networks removed; absent in a dry run', {minimum: 0})),
      kubeconfigEntryRemoved: optional(boolean('Absent in a dry run')),
    }),
  ),
  skipped: array(object({name, reason: string()}), 'Unfinished creates left alone: in progress, or made where this machine cannot see the process'),
  kubeconfig: string('The kubeconfig file whose entries of pruned clusters were removed'),
  hooks,
})

export const AUTOCOMPLETE_FISH_RESULT = object({
  shell: constant('fish'),
  path: string('Where fish loads it on demand'),
  script: string('The completion script'),
})

export const START_RESULT = object({
  name,
  started: array(string(), 'Containers this run started'),
  alreadyRunning: array(string()),
  repaired: array(string(), 'What start found broken and mended'),
  cannotRepair: array(string(), 'What start found broken and cannot mend, with what to do'),
  server: nullable(server),
  context,
  contextPresent: boolean('The kubeconfig still has the context (`kcluster export kubeconfig` restores it)'),
  durationMs,
  phases: array(object({stepId: string(), durationMs})),
  hooks,
})

export const STOP_RESULT = object({
  name,
  stopped: array(string(), 'Containers this run stopped'),
  alreadyStopped: array(string(), 'Containers that were stopped already'),
  durationMs,
  hooks,
})

const statusProperties = {
  name,
  profile: oneOf(['default', 'light'], 'What backs the API server, as create --profile made it: default (etcd), light (kine on SQLite)'),
  health: oneOf(['healthy', 'stopped', 'degraded', 'api-not-ready', 'incomplete']),
  exitCode: integer('The exit code of `status`: 0 healthy, 10 stopped, 11 degraded, 12 API server not ready, 13 incomplete'),
  problems: array(string(), 'One sentence per thing that is down, naming it'),
  apiServer: object({server: nullable(server), ready: boolean(), detail: string()}),
  nodes: array(
    object({
      name: string(),
      containerName: string(),
      role: string(),
      ipv4,
      container: string("The engine's container state, or removed for a node container removed by hand"),
      kubelet: oneOf(['healthy', 'unhealthy', 'unknown']),
      ready: nullable(boolean(), "The node's Ready condition; null when the API server could not be asked"),
    }),
  ),
  loadBalancer: nullable(object({containerName: string(), container: string()})),
  kubeconfig: object({path: string(), context: string(), present: boolean(), current: boolean()}),
  addons: array(
    object({name: string('What `addons enable` takes'), state: string('enabled, or not-ready when a readiness check of `addons list` fails')}),
    'The addons installed in the cluster, read through the API server; empty when no node runs or the kubeconfig context is gone',
  ),
}

export const STATUS_RESULT = object(statusProperties)

/** One line of `status --watch --json`: the status and when it was seen. */
export const STATUS_WATCH_LINE = object({time: string('When this status was seen', {format: 'date-time'}), ...statusProperties}, 'One line of `kcluster status --watch --json`, printed each time the status changes')

export const VERSION_RESULT = object({
  kcluster: string(),
  node: string('The Node.js version'),
  platform: string('<os>/<arch>'),
  kubernetes: object({default: string(), supported: string()}),
  configApiVersions: array(string(), 'Config file apiVersions `create --config` reads'),
  components: object({flannel: string(), localPathProvisioner: string(), crictl: string()}, 'Versions of the components built into the default node image besides Kubernetes'),
})

export const LOAD_IMAGE_RESULT = object({
  cluster: name,
  images: array(string()),
  nodes: array(string(), 'Nodes the images were loaded into'),
  transfers: array(
    object({
      node: string(),
      upToDate: array(string(), 'Images the node already had, unchanged: nothing was sent for them'),
      sent: array(string(), 'Images sent to the node'),
      layersSent: integer('Layers sent; the others the node held already', {minimum: 0}),
      layersTotal: integer(undefined, {minimum: 0}),
      bytesSent: integer('Bytes of the archive streamed into the node', {minimum: 0}),
    }),
    'What each node got',
  ),
  durationMs,
})

export const BUILD_NODE_IMAGE_RESULT = object({
  image: string(),
  kubernetesVersion: string(),
  durationMs,
  upstreamImages: array(string(), 'Images preloaded into the node image'),
  reused: boolean('The image existed already with identical inputs; nothing was built'),
})

const clusterPortBase = {
  hostAddress: string(),
  hostPort: port,
  protocol,
  node: string("Kubernetes node name (or the load balancer's name) the port leads to"),
  container: string('The container that publishes it'),
  state: string("That container's state"),
}
const createPort = object({...clusterPortBase, source: constant('create'), containerPort: port}, 'Published by a node container since create')
const addedPort = object({...clusterPortBase, source: constant('port add'), nodePort: port, addon: optional(string('The addon that needs it, when an addon added it (its disable removes it)'))}, 'Published by a front container of `port add` or of an addon')
const clusterPort = anyOf([createPort, addedPort])

export const PORT_ADD_RESULT = object({cluster: name, port: addedPort, target: string("Where the front sends what arrives: the node's address on the cluster network")})
export const PORT_LIST_RESULT = object({cluster: name, ports: array(clusterPort)})
export const PORT_REMOVE_RESULT = object({cluster: name, removed: boolean('false: no added port matched, nothing was done'), port: optional(clusterPort)})

export const GET_KUBECONFIG_RESULT = object({
  name,
  context,
  server: string(undefined, {format: 'uri'}),
  internal: boolean("The server is the address on the cluster's Docker network, not this machine's"),
  kubeconfig: string('The kubeconfig itself (YAML)'),
})

export const EXPORT_KUBECONFIG_RESULT = object({name, context, server, kubeconfig: string('The file the context was merged into')})

export const EXPORT_LOGS_RESULT = object({
  name,
  archive: string('Absolute path of the .tar.gz written'),
  files: array(string(), 'Files in the archive, relative to its top folder'),
  errors: array(object({file: string(), error: string()}), 'Collectors that failed; each also left <file>.error.txt in the archive'),
  durationMs,
})

export const DOCTOR_RESULT = object({
  checks: array(
    object({
      id: oneOf(['docker', 'security-mode', 'inotify', 'disk', 'host-ports', 'proxy']),
      status: oneOf(['ok', 'warn', 'fail'], 'ok: fine; warn: works, but something may bite (or it could not be checked); fail: a cluster would break'),
      summary: string('One sentence: what was found'),
      details: optional(map(anything(), 'The facts behind the verdict; their fields depend on the check')),
      fix: optional(string('The command (or change) that fixes a warning or failure; one line per problem')),
    }),
    'Always the same checks, in this order: docker, security-mode, inotify, disk, host-ports, proxy',
  ),
  ok: boolean('No check failed (warnings allowed); the exit code is 0, else 14'),
})

const addonState = oneOf(['enabled', 'disabled', 'not-ready'])

export const ADDONS_LIST_RESULT = object({
  cluster: name,
  addons: array(
    object({
      name: string('What `addons enable` takes'),
      description: string(),
      upstream: object({project: string(), version: string(), source: string('The Go module (or repository) it is built from')}),
      defaultEnabled: boolean('create enables it unless told not to'),
      state: addonState,
      detail: optional(string('Why it is not ready')),
      objects: integer('Objects in the cluster labelled kcluster.dev/addon=<name>', {minimum: 0}),
    }),
    'The catalog, in order, with each addon\'s state in the cluster',
  ),
})

export const ADDONS_ENABLE_RESULT = object({
  cluster: name,
  addons: array(
    object({
      name: string(),
      outcome: oneOf(['enabled', 'already-enabled', 'applied'], 'applied: --wait 0, not waited for; already-enabled: nothing was done'),
      images: array(object({placeholder: string('The manifests\' name for it'), reference: string(), built: boolean('Built by this enable'), loaded: boolean('Loaded into nodes that lacked it')})),
      durationMs,
      message: optional(string('What to do next: a URL, a token, a command')),
    }),
  ),
})

export const ADDONS_DISABLE_RESULT = object({
  cluster: name,
  addons: array(object({name: string(), outcome: oneOf(['disabled', 'already-disabled']), removed: integer('Labelled objects deleted', {minimum: 0})})),
})

/** Each command's result schema and its version, by command id as typed ("port add"). Bump the version when the shape changes. */
export const RESULT_SCHEMAS = {
  // v2: create --dry-run names the proxy nodes get, the cluster's labels and its ttl. v3: the profile.
  create: {version: 3, schema: CREATE_RESULT},
  delete: {version: 1, schema: DELETE_RESULT},
  // v3: the profile of a cluster that is not the default.
  list: {version: 3, schema: LIST_RESULT},
  prune: {version: 1, schema: PRUNE_RESULT},
  'autocomplete fish': {version: 1, schema: AUTOCOMPLETE_FISH_RESULT},
  start: {version: 1, schema: START_RESULT},
  stop: {version: 1, schema: STOP_RESULT},
  status: {version: 2, schema: STATUS_RESULT},
  version: {version: 1, schema: VERSION_RESULT},
  'load image': {version: 1, schema: LOAD_IMAGE_RESULT},
  'build node-image': {version: 1, schema: BUILD_NODE_IMAGE_RESULT},
  'port add': {version: 2, schema: PORT_ADD_RESULT},
  'port list': {version: 2, schema: PORT_LIST_RESULT},
  'port remove': {version: 2, schema: PORT_REMOVE_RESULT},
  'get kubeconfig': {version: 1, schema: GET_KUBECONFIG_RESULT},
  'export kubeconfig': {version: 1, schema: EXPORT_KUBECONFIG_RESULT},
  'export logs': {version: 1, schema: EXPORT_LOGS_RESULT},
  doctor: {version: 1, schema: DOCTOR_RESULT},
  'addons list': {version: 1, schema: ADDONS_LIST_RESULT},
  'addons enable': {version: 1, schema: ADDONS_ENABLE_RESULT},
  'addons disable': {version: 1, schema: ADDONS_DISABLE_RESULT},
} as const
