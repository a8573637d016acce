// What the cluster lifecycle knows of a container runtime. Steps see nodes as
// "something that runs a command" with a role and an address; Docker itself
// stays behind this interface (src/provider/docker implements it).
import type {Readable} from 'node:stream'
import type {NodeRole} from '../config/cluster-spec.js'
import type {ImageBuilder} from './image-builder.js'

export type {NodeRole} from '../config/cluster-spec.js'

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
}

export interface NetworkSpec {
  cluster: string
  name: string
  subnet: string
  gateway: string
}

/** running: every node runs · stopped: none does · degraded: some do · incomplete: a create never finished (or still runs). */
export type ClusterState = 'running' | 'stopped' | 'degraded' | 'incomplete'

export interface ClusterSummary {
  name: string
  state: ClusterState
  /** The API server as published on the host, when a node publishes it. */
  server?: string
  nodes: {name: string; containerName: string; role: NodeRole; state: string; image: string; ipv4: string}[]
  loadBalancer?: {containerName: string; state: string; ipv4: string}
}

export interface Provider {
  readonly images: ImageBuilder
  /** Throws DockerUnreachableError when the engine does not answer. */
  ping(): Promise<void>
  /** Subnets of the engine's networks and of this machine's routes, which a new cluster network must avoid. */
  subnetsInUse(): Promise<string[]>
  /** A TCP port nothing listens on at this address of the machine that publishes container ports. */
  freePort(address: string): Promise<number>
  /** Who holds a host port a cluster wants to publish ("container kcluster.x.worker", "another program"), or undefined when it is free. */
  portHolder(port: PublishedPort): Promise<string | undefined>
  /**
   * Claims a cluster name for one create, atomically: throws ClusterExistsError
   * when another create holds it or the cluster exists. `release` ends the claim.
   */
  claimCluster(cluster: string, image: string): Promise<{release(): Promise<void>}>
  /** 'subnet-taken' when another network got the subnet first (plan again and retry). */
  createNetwork(network: NetworkSpec): Promise<'created' | 'subnet-taken'>
  detectSecurityMode(image: string): Promise<SecurityMode>
  provisionNode(spec: NodeContainerSpec): Promise<Node>
  provisionLoadBalancer(spec: LoadBalancerContainerSpec): Promise<void>
  listClusters(): Promise<ClusterSummary[]>
  listNodes(cluster: string): Promise<Node[]>
  /** Removes every container, volume and network labelled with the cluster; "already gone" is fine. */
  deleteCluster(cluster: string): Promise<{containers: number; volumes: number; networks: number}>
  // issue 9: logs and kubeconfig
  /** The engine's full description of a container (`docker inspect`), running or not. */
  inspectContainer(containerName: string): Promise<unknown>
  /** Everything the container wrote to its stdout and stderr (`docker logs --timestamps`), running or not. */
  containerLogs(containerName: string): Promise<string>
  /** A file of a container (`docker cp`), running or not. */
  readContainerFile(containerName: string, path: string): Promise<Buffer>
}
