// Provider backed by the local Docker engine. Cluster membership is read from
// labels on every call; nothing is cached between commands.
import {existsSync, readFileSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {createSocket} from 'node:dgram'
import {createServer} from 'node:net'
import {posix} from 'node:path'
import {Readable} from 'node:stream'
import os from 'node:os'
import type Docker from 'dockerode'
import {ClusterExistsError} from '../../errors/index.js'
import type {ImageBuilder} from '../image-builder.js'
import {CLUSTER_LABEL, CREATOR_LABEL, KIND_LABEL, NODE_NAME_LABEL, ROLE_LABEL, claimContainerName, clusterLabels, creatorOf, declaredHooksOf, metadataOf} from '../labels.js'
import type {ClusterContainer, ClusterInventory, EngineFacts, ClusterNetwork, ClusterPort, ClusterState, ClusterSummary, ExecOptions, HostContainerSpec, LoadBalancerContainerSpec, NetworkSpec, Node, NodeContainerSpec, NodeRole, PortFrontSpec, Provider, PublishedPort, SecurityMode} from '../types.js'
import {connectDocker, pingDocker} from './client.js'
import {apiServerOf, containerNameOf, ipv4Of, removedNodeContainers} from './container-info.js'
import {loadBalancerContainerSpec, networkCreateOptions, nodeContainerSpec, type HostFacts} from './container-spec.js'
import {classifyDockerError, dockerCall, dockerMessage, isConflict, isNotFound} from './errors.js'
import {readContainerFile, readContainerLogs} from './container-logs.js'
import {engineFactsFromInfo, engineIsOnThisMachine, readMachineFacts, type DockerInfo} from './engine-facts.js'
import {execInContainer} from './exec.js'
import {writeFileInContainer} from './files.js'
import {DockerImages} from './images.js'
import {clusterNetworkOf, listClusterPorts, provisionPortFront, removePortFront} from './ports.js'
import {portOwner} from './port-owner.js'
import {connectHostContainer, disconnectHostContainer, ensureHostContainer, hostContainerNetworks, removeHostContainer} from './host-containers.js'
import {routedSubnets} from './routes.js'
import {tarOfFiles} from './tar-entry.js'

/** The Provider on a Docker engine (DOCKER_HOST, else the local socket): the library default. */
export class DockerProvider implements Provider {
  readonly docker: Docker
  readonly images: ImageBuilder
  private securityMode?: Promise<SecurityMode>

  constructor(docker: Docker = connectDocker(), private readonly host: HostFacts = detectHostFacts()) {
    this.docker = docker
    this.images = new DockerImages(docker)
  }

  ping(): Promise<void> {
    return pingDocker(this.docker)
  }

  async engineFacts(): Promise<EngineFacts> {
    const info = (await dockerCall('read the engine information', () => this.docker.info())) as DockerInfo
    const local = engineIsOnThisMachine(this.docker.modem as {socketPath?: unknown; host?: unknown}, info)
    return engineFactsFromInfo(info, local && info.DockerRootDir ? readMachineFacts(info.DockerRootDir) : undefined)
  }

  async subnetsInUse(): Promise<string[]> {
    const networks = await dockerCall('list networks', () => this.docker.listNetworks())
    const fromDocker = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s))
    return [...fromDocker, ...routedSubnets(readRoutes())]
  }

  freePort(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer()
      server.unref()
      server.on('error', reject)
      server.listen(0, address, () => {
        const port = (server.address() as {port: number}).port
        server.close(() => resolve(port))
      })
    })
  }

  async portHolder(port: PublishedPort): Promise<string | undefined> {
    if (await canBind(port)) return undefined
    const containers = await dockerCall('list containers', () => this.docker.listContainers())
    const holder = containers.find((c) => c.Ports.some((p) => p.PublicPort === port.hostPort && p.Type === port.protocol))
    if (holder) return `container ${(holder.Names[0] ?? holder.Id).replace(/^\//, '')}`
    const owner = portOwner(port.hostPort, port.protocol)
    if (owner) return `another program (${owner.command}, pid ${owner.pid})`
    return `another program (\`ss -lnp 'sport = :${port.hostPort}'\` names it)`
  }

  async claimCluster(cluster: string, image: string, labels: Record<string, string> = {[CREATOR_LABEL]: `${os.hostname()}:${process.pid}`}): Promise<{release(): Promise<void>}> {
    const name = claimContainerName(cluster)
    let claim: Docker.Container
    try {
      // Container names are unique in the engine, so of two concurrent creates exactly one gets here.
      claim = await this.docker.createContainer({
        name,
        Image: image,
        Entrypoint: ['/bin/true'],
        Cmd: [],
        Labels: {...labels, ...clusterLabels(cluster, 'claim')},
        HostConfig: {NetworkMode: 'none'},
      })
    } catch (error) {
      if (isConflict(error)) throw new ClusterExistsError(cluster)
      throw classifyDockerError(error, `claim the cluster name ${cluster}`)
    }
    const release = async () => {
      await claim.remove({force: true}).catch((error) => {
        if (!isNotFound(error)) throw error
      })
    }
    // Holding the claim, nothing else can be creating this cluster: whatever carries its label is an existing cluster's.
    const [containers, networks, volumes] = await Promise.all([
      this.docker.listContainers({all: true, filters: {label: [`${CLUSTER_LABEL}=${cluster}`]}}),
      this.docker.listNetworks({filters: {label: [`${CLUSTER_LABEL}=${cluster}`]}}),
      this.docker.listVolumes({filters: {label: [`${CLUSTER_LABEL}=${cluster}`]}}),
    ]).catch(async (error) => {
      await release().catch(() => {})
      throw error
    })
    const others = containers.filter((c) => c.Id !== claim.id).length + networks.length + (volumes.Volumes ?? []).length
    if (others > 0) {
      await release()
      throw new ClusterExistsError(cluster)
    }
    return {release: () => dockerCall(`release the claim on ${cluster}`, release)}
  }

  async createNetwork(network: NetworkSpec): Promise<'created' | 'subnet-taken'> {
    try {
      await this.docker.createNetwork(networkCreateOptions(network))
      return 'created'
    } catch (error) {
      // Another create took the same free subnet a moment earlier.
      if (/overlaps/i.test(dockerMessage(error))) return 'subnet-taken'
      throw classifyDockerError(error, `create the network ${network.name} (${network.subnet})`)
    }
  }

  /** Privileged where the daemon allows it, else the restricted set; probed once per process. */
  detectSecurityMode(image: string): Promise<SecurityMode> {
    this.securityMode ??= this.probePrivileged(image)
    return this.securityMode
  }

  private async probePrivileged(image: string): Promise<SecurityMode> {
    const container = await dockerCall('create a container to probe for --privileged', () =>
      this.docker.createContainer({
        name: `kcluster-probe-${randomBytes(4).toString('hex')}`,
        Image: image,
        Entrypoint: ['/bin/true'],
        Cmd: [],
        Labels: {[KIND_LABEL]: 'probe'},
        HostConfig: {Privileged: true, NetworkMode: 'none'},
      }),
    )
    try {
      await container.start()
      await container.wait()
      return 'privileged'
    } catch (error) {
      // Only a refusal to grant the capabilities means "use the restricted set"; anything else is Docker failing.
      if (/apply caps|operation not permitted/i.test(dockerMessage(error))) return 'restricted'
      throw classifyDockerError(error, 'start a container to probe for --privileged')
    } finally {
      await container.remove({force: true}).catch(() => {})
    }
  }

  async provisionNode(spec: NodeContainerSpec): Promise<Node> {
    const container = await dockerCall(`create the node container ${spec.containerName}`, () => this.docker.createContainer(nodeContainerSpec(spec, this.host)))
    // Before the start, so systemd reads them when it first starts its services.
    if (spec.files?.length) {
      const archive = tarOfFiles(spec.files.map((f) => ({name: f.path.replace(/^\/+/, ''), content: Buffer.from(f.content), mode: f.mode})))
      await dockerCall(`write files into ${spec.containerName}`, () => container.putArchive(Readable.from([archive]), {path: '/'}))
    }
    await dockerCall(`start the node container ${spec.containerName}`, () => container.start())
    return this.node({id: container.id, containerName: spec.containerName, name: spec.name, role: spec.role, ipv4: spec.ipv4})
  }

  async provisionLoadBalancer(spec: LoadBalancerContainerSpec): Promise<void> {
    const container = await dockerCall(`create the load balancer ${spec.containerName}`, () => this.docker.createContainer(loadBalancerContainerSpec(spec)))
    // The configuration goes in before the start, so HAProxy never runs without it.
    await dockerCall(`write the configuration of ${spec.containerName}`, () =>
      writeFileInContainer(this.docker, container.id, spec.config.path, spec.config.content, 0o644, () => Promise.reject(new Error(`${posix.dirname(spec.config.path)} is missing in ${spec.image}`))),
    )
    await dockerCall(`start the load balancer ${spec.containerName}`, () => container.start())
  }

  async listClusters(): Promise<ClusterSummary[]> {
    const [containers, networks, volumes] = await dockerCall('list clusters', () =>
      Promise.all([
        this.docker.listContainers({all: true, filters: {label: [CLUSTER_LABEL]}}),
        this.docker.listNetworks({filters: {label: [`${KIND_LABEL}=network`]}}),
        this.docker.listVolumes({filters: {label: [`${KIND_LABEL}=volume`]}}),
      ]),
    )
    const byName = new Map<string, {claimed: boolean; summary: ClusterSummary}>()
    const entry = (name: string) => {
      let found = byName.get(name)
      if (!found) byName.set(name, (found = {claimed: false, summary: {name, state: 'incomplete', nodes: [], labels: {}}}))
      return found
    }
    // Every resource of a cluster carries the same user labels and expiry; any one tells them.
    const addMetadata = (summary: ClusterSummary, labels: Record<string, string> | undefined) => {
      const {labels: user, expiresAt, profile} = metadataOf(labels)
      Object.assign(summary.labels, user)
      if (expiresAt) summary.expiresAt = expiresAt
      if (profile) summary.profile = profile
    }
    for (const c of containers) {
      const found = entry(c.Labels[CLUSTER_LABEL]!)
      const kind = c.Labels[KIND_LABEL]
      addMetadata(found.summary, c.Labels)
      if (kind === 'claim') {
        found.claimed = true
        const creator = creatorOf(c.Labels)
        if (creator) found.summary.creator = {...creator, claimedAt: new Date(c.Created * 1000).toISOString()}
      }
      // A port front publishes what the user asked for, maybe 6443 too; it is neither a node nor the API server.
      if (kind === 'port') continue
      const server = apiServerOf(c, kind)
      if (server) found.summary.server = server
      const containerName = containerNameOf(c)
      const ipv4 = ipv4Of(c)
      if (kind === 'load-balancer') found.summary.loadBalancer = {containerName, state: c.State, ipv4}
      if (kind !== 'node') continue
      found.summary.nodes.push({
        name: c.Labels[NODE_NAME_LABEL] ?? containerName,
        containerName,
        role: (c.Labels[ROLE_LABEL] ?? 'worker') as NodeRole,
        state: c.State,
        image: c.Image,
        ipv4,
      })
    }
    // A network left by an interrupted create still names a cluster.
    for (const n of networks) if (n.Labels?.[CLUSTER_LABEL]) addMetadata(entry(n.Labels[CLUSTER_LABEL]).summary, n.Labels)
    // A node volume without its container: the node was removed by hand, and the cluster is short of it.
    const containerNames = new Set(containers.map(containerNameOf))
    const removed = new Map<string, number>()
    for (const v of volumes.Volumes ?? []) {
      const cluster = v.Labels?.[CLUSTER_LABEL]
      if (cluster && removedNodeContainers([v.Name], containerNames).length > 0) removed.set(cluster, (removed.get(cluster) ?? 0) + 1)
    }
    for (const {claimed, summary} of byName.values()) {
      summary.nodes.sort((a, b) => a.name.localeCompare(b.name))
      const missing = Array.from({length: removed.get(summary.name) ?? 0}, () => 'removed')
      summary.state = clusterState(claimed, [...summary.nodes.map((n) => n.state), ...(summary.loadBalancer ? [summary.loadBalancer.state] : []), ...missing])
    }
    return [...byName.values()].map((e) => e.summary).sort((a, b) => a.name.localeCompare(b.name))
  }

  async listNodes(cluster: string): Promise<Node[]> {
    const containers = await dockerCall(`list the nodes of ${cluster}`, () =>
      this.docker.listContainers({all: true, filters: {label: [`${CLUSTER_LABEL}=${cluster}`, `${KIND_LABEL}=node`]}}),
    )
    return containers
      .map((c) => {
        const containerName = containerNameOf(c)
        return this.node({
          id: c.Id,
          containerName,
          name: c.Labels[NODE_NAME_LABEL] ?? containerName,
          role: (c.Labels[ROLE_LABEL] ?? 'worker') as NodeRole,
          ipv4: ipv4Of(c),
        })
      })
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  async deleteCluster(cluster: string, known: string[] = []): Promise<{containers: number; volumes: number; networks: number}> {
    return dockerCall(`delete the cluster ${cluster}`, async () => {
      const filter = {label: [`${CLUSTER_LABEL}=${cluster}`]}
      const remove = (nameOrId: string) => this.docker.getContainer(nameOrId).remove({force: true, v: true})
      // A known container goes at once: the kill is what frees the CPU its cluster keeps busy, and
      // each request before it is slow on a machine that busy. Gone already (404) is fine, as everywhere here.
      const removingKnown = Promise.allSettled(known.map(remove))
      const [containers, volumesListed, networks] = await Promise.all([
        this.docker.listContainers({all: true, filters: filter}),
        this.docker.listVolumes({filters: filter}),
        this.docker.listNetworks({filters: filter}),
      ])
      // The claim goes last: until then, `list` and `prune` see an unfinished create, not a cluster that looks whole.
      const claims = containers.filter((c) => c.Labels[KIND_LABEL] === 'claim')
      const others = containers.filter((c) => !claims.includes(c) && !known.includes(containerNameOf(c)))
      const [removedKnown, removedOthers] = [await removingKnown, await Promise.allSettled(others.map((c) => remove(c.Id)))]
      const errors = rejected([...removedKnown, ...removedOthers])
      // Listed while the known containers go: the volumes and networks are labelled from the start, none is made meanwhile.
      // Volumes go after every container, not each after its own: a volume's removal (one at a time in the engine)
      // beside container removals slowed those threefold, and the whole delete twofold (3 control planes + 2 workers).
      const volumes = volumesListed.Volumes ?? []
      // Volumes and networks are independent of each other: removed together.
      const [removedVolumes, removedNetworks] = await Promise.all([
        Promise.allSettled(volumes.map((v) => this.docker.getVolume(v.Name).remove())),
        Promise.allSettled(networks.map((n) => this.removeNetwork(n.Id))),
      ])
      errors.push(...rejected(removedVolumes), ...rejected(removedNetworks))
      if (errors.length > 0) throw errors[0]
      errors.push(...rejected(await Promise.allSettled(claims.map((c) => remove(c.Id)))))
      if (errors.length > 0) throw errors[0]
      const knownRemoved = removedKnown.filter((r) => r.status === 'fulfilled').length
      return {containers: knownRemoved + others.length + claims.length, volumes: volumes.length, networks: networks.length}
    })
  }

  /** A host container of an addon (the shared registry) may still be on the network: it leaves, it stays. */
  private async removeNetwork(id: string): Promise<void> {
    const network = this.docker.getNetwork(id)
    const inspected = await Promise.resolve()
      .then(() => network.inspect())
      .catch(() => undefined)
    const attached = Object.keys(inspected?.Containers ?? {})
    await Promise.allSettled(attached.map(async (container) => network.disconnect({Container: container, Force: true})))
    await network.remove()
  }

  // issue 9: stop, start, status

  async inspectCluster(cluster: string): Promise<ClusterInventory | undefined> {
    const filter = {label: [`${CLUSTER_LABEL}=${cluster}`]}
    const [listed, volumes] = await dockerCall(`inspect the cluster ${cluster}`, () =>
      Promise.all([this.docker.listContainers({all: true, filters: filter}), this.docker.listVolumes({filters: filter})]),
    )
    const nodeVolumes = (volumes.Volumes ?? []).map((v) => v.Name)
    if (listed.length === 0 && nodeVolumes.length === 0) return undefined
    let claimed = false
    let server: string | undefined
    const containers: ClusterContainer[] = []
    for (const c of listed) {
      const kind = c.Labels[KIND_LABEL] ?? ''
      if (kind === 'claim') {
        claimed = true
        continue
      }
      server = apiServerOf(c, kind) ?? server
      const containerName = containerNameOf(c)
      containers.push({
        containerName,
        kind,
        name: c.Labels[NODE_NAME_LABEL] ?? containerName,
        ...(kind === 'node' ? {role: (c.Labels[ROLE_LABEL] ?? 'worker') as NodeRole} : {}),
        state: c.State,
        ipv4: ipv4Of(c),
      })
    }
    containers.sort((a, b) => a.name.localeCompare(b.name))
    const removed = removedNodeContainers(nodeVolumes, new Set(containers.map((c) => c.containerName)))
    const declaredHooks = declaredHooksOf(listed.filter((c) => c.Labels[KIND_LABEL] === 'node').map((c) => c.Labels))
    const profile = listed.map((c) => metadataOf(c.Labels).profile).find((p) => p !== undefined)
    return {containers, removedNodeContainers: removed, claimed, ...(server ? {server} : {}), ...(declaredHooks ? {declaredHooks} : {}), ...(profile ? {profile} : {})}
  }

  async stopContainers(containerNames: string[], timeoutSeconds: number): Promise<void> {
    await this.eachContainer(containerNames, 'stop', (c) => c.stop({t: timeoutSeconds}))
  }

  async startContainers(containerNames: string[]): Promise<void> {
    await this.eachContainer(containerNames, 'start', (c) => c.start())
  }

  /** Runs an operation on every container at once; "already in that state" (304) is success. */
  private async eachContainer(containerNames: string[], verb: string, operation: (c: Docker.Container) => Promise<unknown>): Promise<void> {
    const results = await Promise.allSettled(containerNames.map((name) => operation(this.docker.getContainer(name))))
    const failures = results.flatMap((r, i) => (r.status === 'rejected' && (r.reason as {statusCode?: number})?.statusCode !== 304 ? [{name: containerNames[i]!, error: r.reason}] : []))
    if (failures.length > 0) throw classifyDockerError(failures[0]!.error, `${verb} the container ${failures[0]!.name}`)
  }

  // issue 9: ports after create
  clusterNetwork(cluster: string): Promise<ClusterNetwork | undefined> {
    return clusterNetworkOf(this.docker, cluster)
  }

  listPorts(cluster: string): Promise<ClusterPort[]> {
    return listClusterPorts(this.docker, cluster)
  }

  provisionPortFront(spec: PortFrontSpec): Promise<'started' | 'address-taken' | 'name-taken'> {
    return provisionPortFront(this.docker, spec)
  }

  removePortFront(containerName: string): Promise<boolean> {
    return removePortFront(this.docker, containerName)
  }

  private node(c: {id: string; containerName: string; name: string; role: NodeRole; ipv4: string}): Node {
    const docker = this.docker
    const target = {containerId: c.id, containerName: c.containerName, description: `node ${c.name}`}
    const exec = (command: string[], options?: ExecOptions) => execInContainer(docker, target, command, options)
    return {
      name: c.name,
      containerName: c.containerName,
      role: c.role,
      ipv4: c.ipv4,
      exec,
      writeFile: (path: string, content: string | Buffer, mode = 0o644) =>
        dockerCall(`write ${path} into ${target.description}`, () => writeFileInContainer(docker, c.id, path, content, mode, (dir) => exec(['mkdir', '-p', dir]))),
    }
  }

  // issue 9: logs and kubeconfig
  inspectContainer(containerName: string): Promise<unknown> {
    return dockerCall(`inspect ${containerName}`, () => this.docker.getContainer(containerName).inspect())
  }

  containerLogs(containerName: string): Promise<string> {
    return readContainerLogs(this.docker, containerName)
  }

  readContainerFile(containerName: string, path: string): Promise<Buffer> {
    return readContainerFile(this.docker, containerName, path)
  }

  // issue 8: addons
  ensureHostContainer(spec: HostContainerSpec): Promise<void> {
    return ensureHostContainer(this.docker, spec)
  }

  hostContainerNetworks(name: string): Promise<string[] | undefined> {
    return hostContainerNetworks(this.docker, name)
  }

  connectHostContainer(name: string, network: string): Promise<void> {
    return connectHostContainer(this.docker, name, network)
  }

  disconnectHostContainer(name: string, network: string): Promise<void> {
    return disconnectHostContainer(this.docker, name, network)
  }

  removeHostContainer(name: string): Promise<void> {
    return removeHostContainer(this.docker, name)
  }
}

/** "Already gone" is what delete wants; every other failure counts. */
function rejected(results: PromiseSettledResult<unknown>[]): unknown[] {
  return results.flatMap((r) => (r.status === 'rejected' && !isNotFound(r.reason) ? [r.reason] : []))
}

export function clusterState(claimed: boolean, nodeStates: string[]): ClusterState {
  if (claimed || nodeStates.length === 0) return 'incomplete'
  const running = nodeStates.filter((s) => s === 'running').length
  if (running === nodeStates.length) return 'running'
  return running === 0 ? 'stopped' : 'degraded'
}

/** Whether this machine lets us bind the port now; a bind that is refused for another reason counts as free (Docker will say). */
function canBind(port: PublishedPort): Promise<boolean> {
  const address = port.hostAddress.replace(/^\[|\]$/g, '')
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error.code !== 'EADDRINUSE')
    if (port.protocol === 'udp') {
      const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4')
      socket.on('error', onError)
      socket.bind(port.hostPort, address, () => socket.close(() => resolve(true)))
      return
    }
    const server = createServer()
    server.on('error', onError)
    server.listen(port.hostPort, address, () => server.close(() => resolve(true)))
  })
}

export function detectHostFacts(): HostFacts {
  return {hasKmsg: existsSync('/dev/kmsg'), hasModules: existsSync('/lib/modules')}
}

function readRoutes(): string {
  try {
    return readFileSync('/proc/net/route', 'utf8')
  } catch {
    return ''
  }
}
