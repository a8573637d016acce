// An in-memory Provider for unit tests of the lifecycle: it keeps the engine's
// state (claims, networks, node containers) and answers the commands create
// runs in nodes the way a healthy cluster would, unless a test says otherwise.
import {Readable} from 'node:stream'
import yaml from 'js-yaml'
import {ClusterExistsError, CommandFailedError, NodeNotRunningError} from '../../src/errors/index.js'
import type {ClusterImages} from '../../src/lifecycle/create-context.js'
import type {ImageBuilder, ImageInfo} from '../../src/provider/image-builder.js'
import {creatorOf, declaredHooksOf, metadataOf} from '../../src/provider/labels.js'
import type {ClusterContainer, ClusterInventory, EngineFacts, ClusterNetwork, ClusterPort, ClusterSummary, ExecOptions, ExecResult, HostContainerSpec, LoadBalancerContainerSpec, NetworkSpec, Node, NodeContainerSpec, PortFrontSpec, Provider, SecurityMode} from '../../src/provider/types.js'

export const ADMIN_CONF = `apiVersion: v1
clusters:
- cluster: {certificate-authority-data: Q0E=, server: 'https://dev-control-plane:6443'}
  name: kubernetes
contexts:
- context: {cluster: kubernetes, user: kubernetes-admin}
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
users:
- name: kubernetes-admin
  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
`

/** What a test may make a node answer instead: return a result, throw, or undefined for the default. */
export type ExecOverride = (node: FakeNode, command: string[], options: ExecOptions) => Promise<ExecResult | undefined> | ExecResult | undefined

export class FakeNode implements Node {
  readonly commands: string[][] = []
  readonly files = new Map<string, string>()
  running = true

  constructor(
    readonly spec: NodeContainerSpec,
    private readonly provider: FakeProvider,
  ) {}

  get name() {
    return this.spec.name
  }
  get containerName() {
    return this.spec.containerName
  }
  get role() {
    return this.spec.role
  }
  get ipv4() {
    return this.spec.ipv4
  }

  async exec(command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    options.signal?.throwIfAborted()
    if (!this.running) throw new NodeNotRunningError(this.containerName, {status: 'exited', exitCode: 137})
    this.commands.push(command)
    this.provider.log.push(`exec ${this.name}: ${command.join(' ')}`)
    const result = (await this.provider.override?.(this, command, options)) ?? this.provider.defaultAnswer(this, command, options)
    if (result.exitCode !== 0 && !options.allowFailure) throw new CommandFailedError(command, result.exitCode, result.stdout + result.stderr, {container: this.containerName})
    return result
  }

  async writeFile(path: string, content: string | Buffer): Promise<void> {
    if (!this.running) throw new NodeNotRunningError(this.containerName, {status: 'exited', exitCode: 137})
    this.files.set(path, String(content))
  }
}

const ok = (stdout = ''): ExecResult => ({stdout, stderr: '', exitCode: 0})

export class FakeImages implements ImageBuilder {
  readonly images = new Map<string, ImageInfo>()
  async inspect(reference: string) {
    return this.images.get(reference)
  }
  async importRootfs() {}
  async buildDirectory() {}
  async runToCompletion() {}
  async tag() {}
  async untag() {}
  async ensureVolume() {}
  async save(_references: string[], _file: string): Promise<void> {}
  /** What `saveStream` returns: a test puts a `docker save` archive here. */
  savedArchive: Buffer = Buffer.alloc(0)
  readonly saved: string[][] = []
  async saveStream(references: string[]): Promise<NodeJS.ReadableStream> {
    this.saved.push(references)
    return Readable.from([this.savedArchive])
  }
  async readFile(): Promise<Buffer> {
    return Buffer.alloc(0)
  }
}

export class FakeProvider implements Provider {
  readonly images = new FakeImages()
  /** Everything done, in order, for assertions on order. */
  readonly log: string[] = []
  readonly claims = new Set<string>()
  readonly networks = new Map<string, NetworkSpec>()
  readonly nodes: FakeNode[] = []
  readonly loadBalancers: LoadBalancerContainerSpec[] = []
  readonly deleted: string[] = []
  /** Subnets a "concurrent create" takes the first time they are asked for. */
  subnetsTakenOnce: string[] = []
  override?: ExecOverride
  failRelease = false
  /** Clusters whose resources exist already, as if created by an earlier run. */
  existing = new Set<string>()

  async ping() {}

  /** A roomy machine unless a test says otherwise. */
  engine: EngineFacts = {
    version: '20.10.24',
    os: 'Debian GNU/Linux 12 (bookworm)',
    kernelVersion: '6.1.0',
    cgroupVersion: '1',
    cgroupDriver: 'cgroupfs',
    storageDriver: 'overlay2',
    rootDir: '/var/lib/docker',
    rootless: false,
    machine: {inotify: {maxUserInstances: 8192, maxUserWatches: 524288}, disk: {path: '/var/lib/docker', availableBytes: 100 * 2 ** 30, totalBytes: 200 * 2 ** 30}},
  }

  async engineFacts(): Promise<EngineFacts> {
    return this.engine
  }

  async subnetsInUse() {
    return ['172.17.0.0/16']
  }

  private nextPort = 40123
  async freePort() {
    return this.nextPort++
  }

  /** Host ports something else holds, "address:port/protocol" → holder. */
  readonly takenPorts = new Map<string, string>()

  async portHolder(port: {hostAddress: string; hostPort: number; protocol: string}) {
    return this.takenPorts.get(`${port.hostAddress}:${port.hostPort}/${port.protocol}`)
  }

  /** Labels each claim was made with (who creates, the user's labels). */
  readonly claimLabels = new Map<string, Record<string, string>>()

  async claimCluster(cluster: string, _image?: string, labels: Record<string, string> = {}) {
    if (this.claims.has(cluster) || this.existing.has(cluster)) throw new ClusterExistsError(cluster)
    this.claims.add(cluster)
    this.claimLabels.set(cluster, labels)
    this.log.push(`claim ${cluster}`)
    return {
      release: async () => {
        if (this.failRelease) throw new Error('the engine went away')
        this.claims.delete(cluster)
        this.log.push(`release ${cluster}`)
      },
    }
  }

  async createNetwork(network: NetworkSpec): Promise<'created' | 'subnet-taken'> {
    const taken = this.subnetsTakenOnce.indexOf(network.subnet)
    if (taken >= 0) {
      this.subnetsTakenOnce.splice(taken, 1)
      this.log.push(`network ${network.subnet} taken`)
      return 'subnet-taken'
    }
    this.networks.set(network.name, network)
    this.log.push(`network ${network.name} ${network.subnet}`)
    return 'created'
  }

  async detectSecurityMode(): Promise<SecurityMode> {
    return 'restricted'
  }

  async provisionNode(spec: NodeContainerSpec): Promise<Node> {
    const node = new FakeNode(spec, this)
    // As the engine does: its files are in the container before it starts.
    for (const file of spec.files ?? []) node.files.set(file.path, file.content)
    this.nodes.push(node)
    this.log.push(`provision ${spec.name} ${spec.ipv4}`)
    return node
  }

  async provisionLoadBalancer(spec: LoadBalancerContainerSpec): Promise<void> {
    this.loadBalancers.push(spec)
    this.log.push(`load balancer ${spec.name} ${spec.ipv4}`)
  }

  async listClusters(): Promise<ClusterSummary[]> {
    const names = new Set([...this.claims, ...this.existing, ...this.nodes.map((n) => n.spec.cluster)])
    return [...names].map((name) => {
      const nodes = this.nodes.filter((n) => n.spec.cluster === name)
      const loadBalancer = this.loadBalancers.find((lb) => lb.cluster === name)
      const claimed = this.claims.has(name)
      const labels = claimed ? this.claimLabels.get(name) : (nodes[0]?.spec.labels ?? this.networks.get(`kcluster-${name}`)?.labels)
      const creator = claimed ? creatorOf(labels) : undefined
      return {
        name,
        // As the engine's provider tells it: a claim, or no node (and no load balancer), is an unfinished create.
        state: claimed || (nodes.length === 0 && !loadBalancer && !this.existing.has(name)) ? ('incomplete' as const) : ('running' as const),
        ...metadataOf(labels),
        ...(creator ? {creator} : {}),
        server: nodes.length > 0 ? 'https://127.0.0.1:40123' : undefined,
        nodes: nodes.map((n) => ({name: n.name, containerName: n.containerName, role: n.role, state: n.running ? 'running' : 'exited', image: n.spec.image, ipv4: n.ipv4})),
        ...(loadBalancer ? {loadBalancer: {containerName: loadBalancer.containerName, state: 'running', ipv4: loadBalancer.ipv4}} : {}),
      }
    })
  }

  async listNodes(cluster: string): Promise<Node[]> {
    return this.nodes.filter((n) => n.spec.cluster === cluster)
  }

  /** The containers each deleteCluster was told of, by cluster. */
  readonly deletedKnown = new Map<string, string[]>()

  async deleteCluster(cluster: string, known: string[] = []) {
    this.deleted.push(cluster)
    this.deletedKnown.set(cluster, known)
    this.log.push(`delete ${cluster}`)
    const containers = this.nodes.filter((n) => n.spec.cluster === cluster).length + (this.claims.delete(cluster) ? 1 : 0)
    this.nodes.splice(0, this.nodes.length, ...this.nodes.filter((n) => n.spec.cluster !== cluster))
    const fronts = this.portFronts.filter((f) => f.cluster === cluster).length
    this.portFronts.splice(0, this.portFronts.length, ...this.portFronts.filter((f) => f.cluster !== cluster))
    return {containers: containers + fronts, volumes: 0, networks: this.networks.delete(`kcluster-${cluster}`) ? 1 : 0}
  }

  // issue 9: ports after create
  readonly portFronts: PortFrontSpec[] = []
  /** Addresses of containers that are not the cluster's but sit on its network. */
  readonly strangersOnNetwork: string[] = []
  /** Addresses a "concurrent port add" takes the first time a front asks for them. */
  addressesTakenOnce: string[] = []

  async clusterNetwork(cluster: string): Promise<ClusterNetwork | undefined> {
    const network = this.networks.get(`kcluster-${cluster}`)
    if (!network) return undefined
    const addressesInUse = [
      ...this.nodes.filter((n) => n.spec.cluster === cluster).map((n) => n.ipv4),
      ...this.loadBalancers.filter((lb) => lb.cluster === cluster).map((lb) => lb.ipv4),
      ...this.portFronts.filter((f) => f.cluster === cluster).map((f) => f.ipv4),
      ...this.strangersOnNetwork,
    ]
    return {name: network.name, subnet: network.subnet, addressesInUse}
  }

  async listPorts(cluster: string): Promise<ClusterPort[]> {
    const state = (running: boolean) => (running ? 'running' : 'exited')
    return [
      ...this.nodes.filter((n) => n.spec.cluster === cluster).flatMap((n) => n.spec.ports.map((p): ClusterPort => ({hostAddress: p.hostAddress, hostPort: p.hostPort, protocol: p.protocol, node: n.name, containerPort: p.containerPort, source: 'create', container: n.containerName, state: state(n.running)}))),
      ...this.loadBalancers.filter((lb) => lb.cluster === cluster).flatMap((lb) => lb.ports.map((p): ClusterPort => ({hostAddress: p.hostAddress, hostPort: p.hostPort, protocol: p.protocol, node: lb.name, containerPort: p.containerPort, source: 'create', container: lb.containerName, state: 'running'}))),
      ...this.portFronts.filter((f) => f.cluster === cluster).map((f): ClusterPort => ({hostAddress: f.hostAddress, hostPort: f.hostPort, protocol: f.protocol, node: f.node, nodePort: f.nodePort, source: 'port add', container: f.containerName, state: 'running', ...(f.addon ? {addon: f.addon} : {})})),
    ].sort((a, b) => a.hostPort - b.hostPort)
  }

  async provisionPortFront(spec: PortFrontSpec): Promise<'started' | 'address-taken' | 'name-taken'> {
    if (this.portFronts.some((f) => f.containerName === spec.containerName)) return 'name-taken'
    const taken = this.addressesTakenOnce.indexOf(spec.ipv4)
    if (taken >= 0) {
      this.addressesTakenOnce.splice(taken, 1)
      this.strangersOnNetwork.push(spec.ipv4)
      this.log.push(`port front address ${spec.ipv4} taken`)
      return 'address-taken'
    }
    this.portFronts.push(spec)
    this.log.push(`port front ${spec.containerName} ${spec.ipv4} → ${spec.nodeAddress}:${spec.nodePort}`)
    return 'started'
  }

  async removePortFront(containerName: string): Promise<boolean> {
    const index = this.portFronts.findIndex((f) => f.containerName === containerName)
    if (index < 0) return false
    this.portFronts.splice(index, 1)
    this.log.push(`remove port front ${containerName}`)
    return true
  }

  /** Node containers "removed by hand": gone, but their volumes stay. */
  readonly removedNodeContainers = new Set<string>()

  async inspectCluster(cluster: string): Promise<ClusterInventory | undefined> {
    const nodes = this.nodes.filter((n) => n.spec.cluster === cluster && !this.removedNodeContainers.has(n.containerName))
    const lbs = this.loadBalancers.filter((lb) => lb.cluster === cluster)
    if (nodes.length === 0 && lbs.length === 0 && !this.claims.has(cluster)) return undefined
    const containers: ClusterContainer[] = [
      ...nodes.map((n) => ({containerName: n.containerName, kind: 'node', name: n.name, role: n.role, state: n.running ? 'running' : 'exited', ipv4: n.ipv4})),
      ...lbs.map((lb) => ({containerName: lb.containerName, kind: 'load-balancer', name: lb.name, state: this.stoppedLoadBalancers.has(lb.containerName) ? 'exited' : 'running', ipv4: lb.ipv4})),
    ].sort((a, b) => a.name.localeCompare(b.name))
    const removed = this.nodes.filter((n) => n.spec.cluster === cluster && this.removedNodeContainers.has(n.containerName)).map((n) => n.containerName)
    const declaredHooks = declaredHooksOf(nodes.map((n) => n.spec.labels))
    return {containers, removedNodeContainers: removed, claimed: this.claims.has(cluster), ...(this.publishedServer ? {server: this.publishedServer} : {}), ...(declaredHooks ? {declaredHooks} : {})}
  }

  readonly stoppedLoadBalancers = new Set<string>()
  /** The API endpoint inspectCluster reports; none by default, so nothing real is dialled. */
  publishedServer?: string

  async stopContainers(containerNames: string[]): Promise<void> {
    this.log.push(`stop ${containerNames.join(' ')}`)
    for (const name of containerNames) {
      const node = this.nodes.find((n) => n.containerName === name)
      if (node) node.running = false
      else this.stoppedLoadBalancers.add(name)
    }
  }

  async startContainers(containerNames: string[]): Promise<void> {
    this.log.push(`start ${containerNames.join(' ')}`)
    for (const name of containerNames) {
      const node = this.nodes.find((n) => n.containerName === name)
      if (node) node.running = true
      else this.stoppedLoadBalancers.delete(name)
    }
  }

  // issue 9: logs and kubeconfig
  /** Container names whose inspect or logs fail, as if the engine refused. */
  readonly failingContainers = new Set<string>()

  async inspectContainer(containerName: string): Promise<unknown> {
    if (this.failingContainers.has(containerName)) throw new Error(`no such container: ${containerName}`)
    const node = this.nodes.find((n) => n.containerName === containerName)
    return {Name: `/${containerName}`, State: {Status: node && !node.running ? 'exited' : 'running'}}
  }

  async containerLogs(containerName: string): Promise<string> {
    if (this.failingContainers.has(containerName)) throw new Error(`no such container: ${containerName}`)
    return `boot output of ${containerName}\n`
  }

  async readContainerFile(containerName: string, path: string): Promise<Buffer> {
    this.log.push(`read ${containerName}:${path}`)
    const content = this.nodes.find((n) => n.containerName === containerName)?.files.get(path)
    if (content === undefined) throw new Error(`Could not find the file ${path} in container ${containerName}`)
    return Buffer.from(content)
  }

  // issue 8: addons
  readonly hostContainers = new Map<string, {spec: HostContainerSpec; networks: Set<string>}>()
  async ensureHostContainer(spec: HostContainerSpec): Promise<void> {
    this.log.push(`host container ${spec.name}`)
    if (!this.hostContainers.has(spec.name)) this.hostContainers.set(spec.name, {spec, networks: new Set()})
  }
  async hostContainerNetworks(name: string): Promise<string[] | undefined> {
    const found = this.hostContainers.get(name)
    return found ? [...found.networks] : undefined
  }
  async connectHostContainer(name: string, network: string): Promise<void> {
    this.hostContainers.get(name)?.networks.add(network)
  }
  async disconnectHostContainer(name: string, network: string): Promise<void> {
    this.hostContainers.get(name)?.networks.delete(network)
  }
  async removeHostContainer(name: string): Promise<void> {
    this.hostContainers.delete(name)
  }

  node(name: string): FakeNode {
    const found = this.nodes.find((n) => n.name === name)
    if (!found) throw new Error(`no fake node ${name}`)
    return found
  }

  /** What a healthy cluster answers. */
  /** What containerd of every node holds (ctr images ls -q): the images the fake node image bundles. */
  readonly containerdImages = new Set(['docker.io/kcluster/local-path-provisioner:test', 'docker.io/kcluster/storage-helper:test', 'docker.io/kcluster/flannel:test'])
  /** Objects applied with a kcluster addon label, by kind/namespace/name; answered to get, deleted by delete. */
  readonly kube = new Map<string, any>()

  private kubeAnswer(command: string[], options: ExecOptions): ExecResult | undefined {
    const args = command.slice(2)
    if (args[0] === 'apply' && typeof options.stdin === 'string') {
      for (const doc of yaml.loadAll(options.stdin) as any[]) {
        if (doc?.metadata?.labels?.['kcluster.dev/addon']) this.kube.set(`${doc.kind}/${doc.metadata.namespace ?? ''}/${doc.metadata.name}`, doc)
      }
      return ok()
    }
    if (args[0] === 'api-resources') {
      const kinds = new Map([...this.kube.values()].map((o) => [`${o.kind}`, o.apiVersion]))
      return ok([...kinds].map(([kind, apiVersion]) => `x  ${apiVersion} true ${kind}`).join('\n'))
    }
    const byLabel = args.indexOf('-l')
    if (args[0] === 'get' && byLabel > 0) {
      const [key, value] = args[byLabel + 1]!.split('=')
      return ok(JSON.stringify({items: [...this.kube.values()].filter((o) => o.metadata.labels?.[key!] !== undefined && (value === undefined || o.metadata.labels[key!] === value))}))
    }
    if (args[0] === 'delete' && byLabel > 0) {
      const [key, value] = args[byLabel + 1]!.split('=')
      for (const [id, o] of this.kube) if (o.metadata.labels?.[key!] === value) this.kube.delete(id)
      return ok()
    }
    if (args[0] === 'get' && /^(deployment|daemonset|statefulset|apiservice)\//.test(args[1] ?? '')) {
      const [kind, name] = args[1]!.split('/')
      const found = [...this.kube.values()].find((o) => o.kind.toLowerCase() === kind && o.metadata.name === name)
      if (!found) return {stdout: '', stderr: `Error from server (NotFound): ${args[1]} not found`, exitCode: 1}
      const status = {availableReplicas: 1, readyReplicas: 1, updatedReplicas: 1, numberAvailable: 1, desiredNumberScheduled: 1, updatedNumberScheduled: 1, conditions: [{type: 'Available', status: 'True'}]}
      return ok(JSON.stringify({...found, status}))
    }
    return undefined
  }

  defaultAnswer(node: FakeNode, command: string[], options: ExecOptions = {}): ExecResult {
    const line = command.join(' ')
    if (command[0] === 'kubectl') {
      const answer = this.kubeAnswer(command, options)
      if (answer) return answer
    }
    if (line.startsWith('ctr --namespace=k8s.io images ls -q')) return ok([...this.containerdImages].join('\n'))
    const joined = this.nodes.filter((n) => n.commands.some((c) => c[0] === 'kubeadm'))
    if (line.includes('{.spec.podCIDR}')) return ok(joined.map((n, i) => `${n.name}=10.244.${i}.0/24\n`).join(''))
    if (command[3] === 'kcluster-dns-wait') return ok()
    if (line === 'cat /etc/kubernetes/admin.conf') return ok(ADMIN_CONF)
    // What kubeadm init leaves: the kubelet's kubeconfig with its first certificate inline.
    if (line === 'cat /etc/kubernetes/kubelet.conf') return ok(`apiVersion: v1\nkind: Config\nusers:\n- name: system:node:${node.name}\n  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}\n`)
    // Files a step wrote into the node read back as written.
    if (command[0] === 'cat' && command.length === 2 && node.files.has(command[1]!)) return ok(node.files.get(command[1]!))
    if (line === 'cat /sys/class/net/eth0/mtu') return ok('1500\n')
    if (line.endsWith('get nodes -o json')) {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      const items = this.nodes.filter((n) => n.spec.cluster === node.spec.cluster && n.running)
      return ok(JSON.stringify({items: items.map((n) => ({metadata: {name: n.name}, status: {conditions: [{type: 'Ready', status: 'True', lastHeartbeatTime: now}]}}))}))
    }
    if (line.includes('get service -n default kubernetes')) return ok('10.96.0.1')
    if (line.includes('get service -n kube-system kube-dns')) return ok('10.96.0.10')
    void node
    return ok()
  }
}

export function fakeClusterImages(labels: Record<string, Record<string, string>> = {}): ClusterImages & {built: string[]} {
  const built: string[] = []
  return {
    built,
    ensureDefault: async (version) => {
      built.push(version)
      return {reference: `kcluster/node:${version}-test`, built: false}
    },
    ensureLoadBalancer: async () => ({reference: 'kcluster/load-balancer:test'}),
    ensureKine: async () => ({reference: 'kcluster/kine:test'}),
    describe: async (reference) => {
      if (reference.endsWith('-test')) {
        const bundled = {'local-path-provisioner': 'kcluster/local-path-provisioner:test', 'storage-helper': 'kcluster/storage-helper:test', flannel: 'kcluster/flannel:test'}
        return {kubernetesVersion: reference.split(':')[1]!.replace(/-test$/, ''), bundled}
      }
      const found = labels[reference]
      if (!found) throw new Error(`no image ${reference}`)
      const bundled = Object.fromEntries((found['io.kcluster.bundled-images'] ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]))
      const version = found['io.kcluster.kubernetes-version']
      return version ? {kubernetesVersion: version, bundled} : {bundled}
    },
  }
}
