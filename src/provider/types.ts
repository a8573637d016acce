// What the cluster lifecycle knows of a container runtime. Actions see nodes
// as "something that runs a command" with a role and an address; Docker
// itself stays behind this interface.

export type NodeRole = 'control-plane' | 'worker'

/** How node containers get the powers systemd, kubelet and nested containers need. */
export type SecurityMode = 'privileged' | 'restricted'

export interface ExecOptions {
  stdin?: string | Buffer
  env?: Record<string, string>
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
  readonly name: string
  readonly role: NodeRole
  readonly cluster: string
  /** Address on the cluster network. */
  readonly ipv4: string
  exec(command: string[], options?: ExecOptions): Promise<ExecResult>
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>
}

export interface NodeSpec {
  cluster: string
  name: string
  role: NodeRole
  image: string
  network: string
  securityMode: SecurityMode
  /** Publish the API server (6443) on 127.0.0.1 at a free port. */
  publishApiServer: boolean
}

export interface ClusterSummary {
  name: string
  nodes: {name: string; role: NodeRole; state: string; image: string}[]
  apiServerPort?: number
}

export interface Provider {
  /** Throws DockerUnreachableError when the engine does not answer. */
  ping(): Promise<void>
  listClusters(): Promise<ClusterSummary[]>
  listNodes(cluster: string): Promise<Node[]>
  createNetwork(cluster: string): Promise<string>
  detectSecurityMode(image: string): Promise<SecurityMode>
  provisionNode(spec: NodeSpec): Promise<Node>
  /** Port on 127.0.0.1 that reaches the API server of a node, if published. */
  apiServerPort(nodeName: string): Promise<number>
  /** Removes containers, volumes and network of a cluster; "already gone" is fine. */
  deleteCluster(cluster: string): Promise<{containers: number; volumes: number; networks: number}>
  imageExists(reference: string): Promise<boolean>
  /** Writes `docker save` of the images to a file on this machine. */
  saveImages(references: string[], file: string): Promise<void>
}
