// What the cluster lifecycle knows of a container runtime. Steps see nodes as
// "something that runs a command" with a role and an address; Docker itself
// stays behind this interface (src/provider/docker implements it).
import type {Readable} from 'node:stream'
import type {NodeRole} from '../config/cluster-spec.js'
import type {ImageBuilder} from './image-builder.js'
import type {CreatorRecord} from './labels.js'

export type {NodeRole} from '../config/cluster-spec.js'
export type {CreatorRecord} from './labels.js'

/** Labels every container, network and volume of a cluster carries beside kcluster's own: the user's, the expiry (src/provider/labels.ts). */
export type ExtraLabels = Record<string, string>

/** How node containers get the powers systemd, kubelet and nested containers need. */
export type SecurityMode = 'privileged' | 'restricted'

export interface ExecOptions {
  /** Input of the command; a stream is sent as it is read, never held in memory whole. */
  stdin?: string | Buffer | Readable
  /** Resolve with the result instead of throwing when the command exits non-zero. */
  allowFailure?: boolean
  signal?: AbortSignal
}

export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number
}

/** A node as the lifecycle sees it: something that runs commands and takes files, with a role and an address. */
export interface Node {
  /** Kubernetes node name and host name. */
  readonly name: string
  readonly containerName: string
  readonly role: NodeRole
  /** Address on the cluster network. */
  readonly ipv4: string
  /** Runs a command in the node; a node container that stopped raises NodeNotRunningError. */
  exec(command: string[], options?: ExecOptions): Promise<ExecResult>
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>
}

export interface PublishedPort {
  hostAddress: string
  hostPort: number
  containerPort: number
  protocol: 'tcp' | 'udp' | 'sctp'
  /** The spec field that asked for it, for messages about it. */
  field?: string
}

/** A file a node container starts with: an absolute path, its content and its mode (0644 unless given). */
export interface NodeFile {
  path: string
  content: string
  mode?: number
}

export interface NodeContainerSpec {
  cluster: string
  /** Kubernetes node name, host name and network alias. */
  name: string
  containerName: string
  role: NodeRole
  image: string
  network: string
  ipv4: string
  securityMode: SecurityMode
  ports: PublishedPort[]
  mounts: {hostPath: string; containerPath: string; readOnly: boolean; propagation: 'None' | 'HostToContainer' | 'Bidirectional'; selinuxRelabel: boolean}[]
  /** Search domains of the node's resolv.conf; [] for none; undefined keeps the engine's default. */
  dnsSearch?: string[]
  /** Environment of the container, beside what every node has: its init and every `exec` in it inherit it. */
  env?: Record<string, string>
  /** Files put into the container before it first starts (absolute paths; missing folders are made). */
  files?: NodeFile[]
  /** On the container and its /var volume. */
  labels?: ExtraLabels
}

export interface LoadBalancerContainerSpec {
  cluster: string
  /** Host name and network alias. */
  name: string
  containerName: string
  image: string
  network: string
  ipv4: string
  ports: PublishedPort[]
  /** Written into the container before it starts. */
  config: {path: string; content: string}
  labels?: ExtraLabels
}

export interface NetworkSpec {
  cluster: string
  name: string
  subnet: string
  gateway: string
  labels?: ExtraLabels
}

/** running: every node runs · stopped: none does · degraded: some do · incomplete: a create never finished (or still runs). */
export type ClusterState = 'running' | 'stopped' | 'degraded' | 'incomplete'

/** One cluster as `kcluster list` shows it: its state, API server and containers. */
export interface ClusterSummary {
  name: string
  state: ClusterState
  /** The API server as published on the host, when a node publishes it. */
  server?: string
  nodes: {name: string; containerName: string; role: NodeRole; state: string; image: string; ipv4: string}[]
  loadBalancer?: {containerName: string; state: string; ipv4: string}
  /** The user's labels (create --label, the config file's labels). */
  labels: Record<string, string>
  /** When `prune` may delete it (create --ttl), RFC 3339. */
  expiresAt?: string
  /** What backs its API server when it is not the default (etcd): `light` (create --profile light: kine on SQLite). */
  profile?: string
  /** The process running the create that holds the name, while the cluster is incomplete. */
  creator?: CreatorRecord
}

/** One container of a cluster, as the engine reports it now. */
export interface ClusterContainer {
  containerName: string
  /** What it is: 'node', 'load-balancer', and so on (the kind label). */
  kind: string
  /** Kubernetes node name of a node; host name of anything else. */
  name: string
  role?: NodeRole
  /** The engine's state: running, exited, created, restarting, paused, dead. */
  state: string
  ipv4: string
}

/** A cluster as labels describe it: its containers, and the node volumes whose containers are gone. */
export interface ClusterInventory {
  containers: ClusterContainer[]
  /** Node containers that no longer exist although their /var volume does (removed by hand). */
  removedNodeContainers: string[]
  /** A create of this name holds the claim (in progress or killed). */
  claimed: boolean
  /** The API server as published on the host. */
  server?: string
  /** The hook events the cluster's config declared, as its nodes' labels tell; absent when they do not (made by an older kcluster). */
  declaredHooks?: string[]
  /** create --profile, as its containers' labels tell, when not the default. */
  profile?: string
}

/** A container that publishes one host port and forwards it to a port of a node (`kcluster port add`). */
export interface PortFrontSpec {
  cluster: string
  containerName: string
  image: string
  network: string
  /** Its own fixed address on the cluster network. */
  ipv4: string
  hostAddress: string
  hostPort: number
  protocol: 'tcp' | 'udp'
  /** Kubernetes node name of the node it forwards to. */
  node: string
  nodeAddress: string
  nodePort: number
  /** The addon that needs it, if one does (its disable removes it). */
  addon?: string
}

/** One port a cluster publishes on the host. */
export type ClusterPort = {
  hostAddress: string
  hostPort: number
  protocol: 'tcp' | 'udp' | 'sctp'
  /** Kubernetes node name (or the load balancer's name) the port leads to. */
  node: string
  /** The container that publishes it, and its state. */
  container: string
  state: string
} & ({source: 'create'; containerPort: number} | {source: 'port add'; nodePort: number; addon?: string})

/** The cluster's network as a new container on it must know it. */
export interface ClusterNetwork {
  name: string
  subnet: string
  /** Every address a container on it holds, or takes back when it starts again. */
  addressesInUse: string[]
}

/** What the container engine says of itself, and what the machine it runs on offers nodes. */
export interface EngineFacts {
  /** The engine's version, e.g. 20.10.24. */
  version: string
  os: string
  kernelVersion: string
  /** '1' or '2' ('' when the engine does not say). */
  cgroupVersion: string
  cgroupDriver: string
  storageDriver: string
  /** Where the engine keeps images, containers and volumes. */
  rootDir: string
  rootless: boolean
  /** Limits and free space of the engine's machine, read only when that is this machine (undefined for a remote engine or a VM). */
  machine?: MachineFacts
}

export interface MachineFacts {
  /** fs.inotify limits (per user, across the whole machine); undefined where they cannot be read. */
  inotify?: {maxUserInstances: number; maxUserWatches: number}
  /** The filesystem of the engine's root folder. */
  disk?: {path: string; availableBytes: number; totalBytes: number}
}

/** A container an addon runs beside clusters (the registry): one per machine, on the networks of the clusters that use it. */
export interface HostContainerSpec {
  /** Container name; also its alias on every cluster network it joins. */
  name: string
  image: string
  addon: string
  ports: {hostAddress: string; hostPort: number; containerPort: number}[]
  /** Named volume → path; volumes outlive the container. */
  volumes: Record<string, string>
  env: Record<string, string>
  command?: string[]
}

/** The container engine, as small as the lifecycle needs it; DockerProvider is the one implementation. */
export interface Provider {
  readonly images: ImageBuilder
  /** Throws DockerUnreachableError when the engine does not answer. */
  ping(): Promise<void>
  /** The engine's version, cgroups and storage, and its machine's limits; throws DockerUnreachableError when it does not answer. */
  engineFacts(): Promise<EngineFacts>
  /** Subnets of the engine's networks and of this machine's routes, which a new cluster network must avoid. */
  subnetsInUse(): Promise<string[]>
  /** A TCP port nothing listens on at this address of the machine that publishes container ports. */
  freePort(address: string): Promise<number>
  /** Who holds a host port a cluster wants to publish ("container kcluster.x.worker", "another program"), or undefined when it is free. */
  portHolder(port: PublishedPort): Promise<string | undefined>
  /**
   * Claims a cluster name for one create, atomically: throws ClusterExistsError
   * when another create holds it or the cluster exists. `release` ends the claim.
   * `labels` go on the claim beside kcluster's own: who creates it (creatorLabels), the user's.
   */
  claimCluster(cluster: string, image: string, labels?: ExtraLabels): Promise<{release(): Promise<void>}>
  /** 'subnet-taken' when another network got the subnet first (plan again and retry). */
  createNetwork(network: NetworkSpec): Promise<'created' | 'subnet-taken'>
  detectSecurityMode(image: string): Promise<SecurityMode>
  provisionNode(spec: NodeContainerSpec): Promise<Node>
  provisionLoadBalancer(spec: LoadBalancerContainerSpec): Promise<void>
  listClusters(): Promise<ClusterSummary[]>
  listNodes(cluster: string): Promise<Node[]>
  /**
   * Removes every container, volume and network labelled with the cluster; "already gone" is fine.
   * A create's claim goes last, so a delete or rollback cut short still marks the cluster unfinished.
   * `known`: names of its containers just read (an inventory), removed without waiting for the listing,
   * which then finds any other.
   */
  deleteCluster(cluster: string, known?: string[]): Promise<{containers: number; volumes: number; networks: number}>

  // issue 9: stop, start, status
  /** Undefined when nothing carries the cluster's label. */
  inspectCluster(cluster: string): Promise<ClusterInventory | undefined>
  /** Stops the containers (their stop signal, then SIGKILL after the timeout); one that is already stopped is fine. */
  stopContainers(containerNames: string[], timeoutSeconds: number): Promise<void>
  /** Starts the containers; one that already runs is fine. */
  startContainers(containerNames: string[]): Promise<void>
  // issue 9: ports after create
  /** The cluster's network, or undefined when it has none. */
  clusterNetwork(cluster: string): Promise<ClusterNetwork | undefined>
  /** Every host port of the cluster: published by its nodes and load balancer at create, and by its port fronts. */
  listPorts(cluster: string): Promise<ClusterPort[]>
  /** Creates and starts a port front; 'address-taken' when its address went to another container meanwhile, 'name-taken' when a front of that name exists (nothing is left behind either way). */
  provisionPortFront(spec: PortFrontSpec): Promise<'started' | 'address-taken' | 'name-taken'>
  /** Removes a port front, freeing its host port; false when it did not exist. */
  removePortFront(containerName: string): Promise<boolean>

  // issue 9: logs and kubeconfig
  /** The engine's full description of a container (`docker inspect`), running or not. */
  inspectContainer(containerName: string): Promise<unknown>
  /** Everything the container wrote to its stdout and stderr (`docker logs --timestamps`), running or not. */
  containerLogs(containerName: string): Promise<string>
  /** A file of a container (`docker cp`), running or not. */
  readContainerFile(containerName: string, path: string): Promise<Buffer>

  // issue 8: addons
  /** Creates and starts the container, or starts it; one of another image is replaced (its volumes stay). */
  ensureHostContainer(spec: HostContainerSpec): Promise<void>
  /** The cluster networks the host container is on; undefined when it does not exist. */
  hostContainerNetworks(name: string): Promise<string[] | undefined>
  /** Joins it to a cluster network under its name; already there is fine. */
  connectHostContainer(name: string, network: string): Promise<void>
  /** Leaves the network; not there (or gone) is fine. */
  disconnectHostContainer(name: string, network: string): Promise<void>
  /** Removes the container (never its volumes); gone is fine. */
  removeHostContainer(name: string): Promise<void>
}
