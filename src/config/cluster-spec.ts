// What a cluster is (its spec), apart from how one run of a command treats it
// (its run options). The spec is what a config file will describe; the run
// options come from flags only.

import {DEFAULT_API_SERVER_ADDRESS} from './api-server.js'

export type NodeRole = 'control-plane' | 'worker'

export const DEFAULT_CLUSTER_NAME = 'kcluster'
export const DEFAULT_POD_SUBNET = '10.244.0.0/16'
export const DEFAULT_SERVICE_SUBNET = '10.96.0.0/16'

export interface NodeSpec {
  role: NodeRole
  /** Node image of this node; the cluster's image otherwise. */
  image?: string
  /** Kubernetes labels of the node. */
  labels?: Record<string, string>
}

export interface NetworkingSpec {
  apiServerAddress: string
  /** 0: a free port is chosen at create and pinned from then on. */
  apiServerPort: number
  podSubnet: string
  serviceSubnet: string
}

export interface ClusterSpec {
  name: string
  /** Undefined: the node image's own version (its label), or the default when the default image is used. */
  kubernetesVersion?: string
  /** Node image of every node that names none; undefined: the default image, built here when missing. */
  image?: string
  nodes: NodeSpec[]
  networking: NetworkingSpec
}

export interface RunOptions {
  /** How long to wait for Ready nodes and answering DNS; 0 = do not wait. */
  waitMs: number
  /** Keep what a failed create made, for debugging. */
  retain: boolean
  kubeconfigPath: string
}

export function defaultNetworking(): NetworkingSpec {
  return {apiServerAddress: DEFAULT_API_SERVER_ADDRESS, apiServerPort: 0, podSubnet: DEFAULT_POD_SUBNET, serviceSubnet: DEFAULT_SERVICE_SUBNET}
}
