// What a cluster is (its spec), apart from how one run of a command treats it
// (its run options). Flags make a spec of one node; a config file describes
// any shape. Field names follow the config file's, so a problem found in the
// spec names the field the user wrote.

import {DEFAULT_API_SERVER_ADDRESS} from './api-server.js'
import type {ClusterProfile} from './profile.js'
import type {ProxySettings} from './proxy.js'

/** What a node runs: the control plane, or workloads only. */
export type NodeRole = 'control-plane' | 'worker'

export const DEFAULT_CLUSTER_NAME = 'kcluster'
export const DEFAULT_POD_SUBNET = '10.244.0.0/16'
export const DEFAULT_SERVICE_SUBNET = '10.96.0.0/16'
/** Where extra ports are published unless a mapping says otherwise (kind's default is every address; ours is not). */
export const DEFAULT_LISTEN_ADDRESS = '127.0.0.1'

export type PortProtocol = 'tcp' | 'udp' | 'sctp'
export type MountPropagation = 'None' | 'HostToContainer' | 'Bidirectional'
export type KubeProxyMode = 'iptables' | 'ipvs' | 'nftables' | 'none'

/** A host port published to a node container port at create. */
export interface PortMappingSpec {
  containerPort: number
  /** 0: a free port is chosen at create and pinned from then on. */
  hostPort: number
  /** A host IP address; 0.0.0.0 publishes on every address. */
  listenAddress: string
  protocol: PortProtocol
}

/** A host path mounted into a node container. */
export interface MountSpec {
  /** Absolute: a relative path in a file was resolved against the working directory. */
  hostPath: string
  containerPath: string
  readOnly: boolean
  selinuxRelabel: boolean
  propagation: MountPropagation
}

/** An RFC 6902 patch of the kubeadm documents whose group, version (empty: any) and kind match. */
export interface Json6902PatchSpec {
  group: string
  version: string
  kind: string
  /** The operations, as YAML or JSON text. */
  patch: string
}

/** One node of the config file. */
export interface NodeSpec {
  role: NodeRole
  /** Node image of this node; the cluster's image otherwise. */
  image?: string
  /** Kubernetes labels of the node. */
  labels?: Record<string, string>
  extraPortMappings?: PortMappingSpec[]
  extraMounts?: MountSpec[]
  /** Merge patches of this node's kubeadm documents, applied after the cluster's. */
  kubeadmConfigPatches?: string[]
  kubeadmConfigPatchesJSON6902?: Json6902PatchSpec[]
}

/** The cluster's API server address and port, pod and service subnets, CNI, kube-proxy mode and DNS search. */
export interface NetworkingSpec {
  apiServerAddress: string
  /** 0: a free port is chosen at create and pinned from then on. */
  apiServerPort: number
  podSubnet: string
  serviceSubnet: string
  /** Undefined: false. Create must then leave the pod network to the user. */
  disableDefaultCNI?: boolean
  /** Undefined: iptables. none: kube-proxy is not installed. */
  kubeProxyMode?: KubeProxyMode
  /** Search domains of the nodes' resolv.conf; undefined: the host's. */
  dnsSearch?: string[]
}

/** When a hook runs: after create, around delete, before stop, after start. */
export type HookEvent = 'post-create' | 'pre-delete' | 'post-delete' | 'post-start' | 'pre-stop'
/** Every event a hook can run at. */
export const HOOK_EVENTS: readonly HookEvent[] = ['post-create', 'pre-delete', 'post-delete', 'post-start', 'pre-stop']

/** A command on the host that a lifecycle event runs, declared in the config file. */
export interface HookSpec {
  /** Names the hook in progress and errors (step hook:<event>:<name>); undefined: config-<position, from 1>. */
  name?: string
  /** A list runs as it is (no shell); a string runs with `sh -c`. */
  command: string | string[]
  /** Go-style duration; undefined: the event's default. */
  timeout?: string
  /** A failure is a warning and the command goes on. */
  continueOnError?: boolean
  /** Added to the environment kcluster passes on. */
  env?: Record<string, string>
  /** Absolute: a relative one in a file was resolved against the directory create ran in, which is also the default. */
  workingDir?: string
}

/** A config file's `hooks:`, event → its hooks in order. */
export type HookSpecs = Partial<Record<HookEvent, HookSpec[]>>

/** The cluster a config file (or the flags) describe, defaulted and validated. */
export interface ClusterSpec {
  name: string
  /** Undefined: the node image's own version (its label), or the default when the default image is used. */
  kubernetesVersion?: string
  /** Node image of every node that names none; undefined: the default image, built here when missing. */
  image?: string
  /** What backs the API server: undefined or default: etcd (kubeadm's static pod); light: kine on SQLite, one control plane. */
  profile?: ClusterProfile
  nodes: NodeSpec[]
  networking: NetworkingSpec
  /** Feature gates of every component (API server, controller manager, scheduler, kubelet, kube-proxy). */
  featureGates?: Record<string, boolean>
  /** The API server's --runtime-config, key=value. */
  runtimeConfig?: Record<string, string>
  /** Merge patches of every node's kubeadm documents. */
  kubeadmConfigPatches?: string[]
  kubeadmConfigPatchesJSON6902?: Json6902PatchSpec[]
  /** TOML merge patches of every node's containerd configuration. */
  containerdConfigPatches?: string[]
  /** RFC 6902 patches (YAML or JSON text) of every node's containerd configuration, as a JSON document. */
  containerdConfigPatchesJSON6902?: string[]
  /** Commands on the host at lifecycle events; recorded in the nodes, so delete, stop and start find them again. */
  hooks?: HookSpecs
  /** Labels of the cluster's containers, networks and volumes (Kubernetes label syntax), which selectors find it by. */
  labels?: Record<string, string>
  /** Addons asked for by the file or --addons, in order; the catalog's defaults apply to those not named. */
  addons?: AddonSpec[]
}

export interface AddonSpec {
  name: string
  enabled: boolean
  options: Record<string, string | number | boolean>
  /** Where it was asked for ("addons[1]", "--addons"), for messages. */
  field: string
}

/** How one create runs: how long it waits, whether it keeps a failure, which kubeconfig it writes. */
export interface RunOptions {
  /** How long to wait for Ready nodes and answering DNS; 0 = do not wait. */
  waitMs: number
  /** Keep what a failed create made, for debugging. */
  retain: boolean
  kubeconfigPath: string
  /** The proxy of create's environment; the nodes get it, with NO_PROXY extended by the cluster's own addresses. */
  proxy?: ProxySettings
  /** After how long from the start of its containers `prune` may delete the cluster; undefined: never. */
  ttlMs?: number
}

export function defaultNetworking(): NetworkingSpec {
  return {apiServerAddress: DEFAULT_API_SERVER_ADDRESS, apiServerPort: 0, podSubnet: DEFAULT_POD_SUBNET, serviceSubnet: DEFAULT_SERVICE_SUBNET}
}
