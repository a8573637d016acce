// kcluster's own config file, apiVersion kcluster.dev/v1alpha1. Its fields are
// kind's v1alpha4 fields under the same names, so a kind file moves over by
// changing its apiVersion, plus `kubernetesVersion` and `image` for the whole
// cluster. The schema below is what the decoder enforces and what
// schemas/cluster-config.schema.json ships to editors.
import {HOOK_EVENTS, type HookEvent, type HookSpec, type KubeProxyMode, type MountPropagation, type NodeRole} from './cluster-spec.js'
import type {JsonSchema, RootSchema} from './json-schema.js'
import {CLUSTER_PROFILES, DEFAULT_PROFILE, type ClusterProfile} from './profile.js'

export const V1ALPHA1_API_VERSION = 'kcluster.dev/v1alpha1'
export const CLUSTER_KIND = 'Cluster'

/** The file as written, after strict decoding: every field optional, nothing defaulted yet. */
export interface V1alpha1Cluster {
  apiVersion: string
  kind: string
  name?: string
  kubernetesVersion?: string
  image?: string
  profile?: ClusterProfile
  nodes?: V1alpha1Node[]
  networking?: V1alpha1Networking
  featureGates?: Record<string, boolean>
  runtimeConfig?: Record<string, string>
  kubeadmConfigPatches?: string[]
  kubeadmConfigPatchesJSON6902?: V1alpha1PatchJSON6902[]
  containerdConfigPatches?: string[]
  containerdConfigPatchesJSON6902?: string[]
  hooks?: Partial<Record<HookEvent, V1alpha1Hook[]>>
  labels?: Record<string, string>
  addons?: V1alpha1Addon[]
}

/** A hook as the file writes it: the same fields, its workingDir possibly relative. */
export type V1alpha1Hook = HookSpec

export interface V1alpha1Addon {
  name: string
  enabled?: boolean
  options?: Record<string, string | number | boolean>
}

export interface V1alpha1Node {
  role?: NodeRole
  image?: string
  labels?: Record<string, string>
  extraPortMappings?: V1alpha1PortMapping[]
  extraMounts?: V1alpha1Mount[]
  kubeadmConfigPatches?: string[]
  kubeadmConfigPatchesJSON6902?: V1alpha1PatchJSON6902[]
}

export interface V1alpha1Networking {
  ipFamily?: 'ipv4' | 'ipv6' | 'dual'
  apiServerAddress?: string
  apiServerPort?: number
  podSubnet?: string
  serviceSubnet?: string
  disableDefaultCNI?: boolean
  kubeProxyMode?: KubeProxyMode
  dnsSearch?: string[]
}

export interface V1alpha1PortMapping {
  containerPort: number
  hostPort?: number
  listenAddress?: string
  /** Any case: TCP and tcp are the same. */
  protocol?: string
}

export interface V1alpha1Mount {
  hostPath: string
  containerPath: string
  readOnly?: boolean
  selinuxRelabel?: boolean
  propagation?: MountPropagation
}

export interface V1alpha1PatchJSON6902 {
  group?: string
  version?: string
  kind: string
  patch: string
}

const strings = (description: string): JsonSchema => ({type: 'array', description, items: {type: 'string'}})

const nodeSchema: JsonSchema = {
  type: 'object',
  description: 'One node container.',
  additionalProperties: false,
  properties: {
    role: {type: 'string', enum: ['control-plane', 'worker'], default: 'control-plane', description: 'control-plane or worker. The first control plane runs kubeadm init; two or more put a load balancer in front of the API servers.'},
    image: {type: 'string', description: 'Node image of this node (a kcluster node image); the cluster image otherwise. --image replaces it.'},
    labels: {type: 'object', description: 'Kubernetes labels of the node.', additionalProperties: {type: 'string'}},
    extraPortMappings: {type: 'array', description: 'Ports of the node published on the host.', items: {$ref: '#/definitions/portMapping'}},
    extraMounts: {type: 'array', description: 'Host paths mounted into the node container.', items: {$ref: '#/definitions/mount'}},
    kubeadmConfigPatches: strings("Merge patches of this node's kubeadm documents (YAML, matched by kind and apiVersion), applied after the cluster's."),
    kubeadmConfigPatchesJSON6902: {type: 'array', description: "RFC 6902 patches of this node's kubeadm documents, applied after the cluster's.", items: {$ref: '#/definitions/patchJSON6902'}},
  },
}

const networkingSchema: JsonSchema = {
  type: 'object',
  description: 'Cluster-wide network settings.',
  additionalProperties: false,
  properties: {
    ipFamily: {type: 'string', enum: ['ipv4', 'ipv6', 'dual'], default: 'ipv4', description: 'Only ipv4 is created so far.'},
    apiServerAddress: {type: 'string', default: '127.0.0.1', description: 'Host address the API server is published on.'},
    apiServerPort: {type: 'integer', title: 'port', minimum: 0, maximum: 65535, default: 0, description: 'Host port of the API server; 0: a free port chosen at create and pinned.'},
    podSubnet: {type: 'string', default: '10.244.0.0/16', description: 'IPv4 CIDR of pod addresses.'},
    serviceSubnet: {type: 'string', default: '10.96.0.0/16', description: 'IPv4 CIDR of Service addresses.'},
    disableDefaultCNI: {type: 'boolean', default: false, description: 'Leave out the pod network, to install another one.'},
    kubeProxyMode: {type: 'string', enum: ['iptables', 'ipvs', 'nftables', 'none'], default: 'iptables', description: "kube-proxy's mode; none leaves kube-proxy out."},
    dnsSearch: strings("Search domains of the nodes' resolv.conf; unset: the host's."),
  },
}

const HOOK_WHEN: Record<HookEvent, string> = {
  'post-create': 'after the cluster is up and its kubeconfig context written; a failure rolls the create back',
  'pre-delete': 'before the cluster is deleted; the delete happens even when one fails',
  'post-delete': 'after the cluster is deleted',
  'post-start': 'after `kcluster start` started the cluster and it serves',
  'pre-stop': 'before `kcluster stop` stops the cluster; a failure leaves it running',
}

const hooksSchema: JsonSchema = {
  type: 'object',
  description: 'Commands run on this machine at lifecycle events, before the executables of $XDG_CONFIG_HOME/kcluster/hooks/<event>.d/.',
  additionalProperties: false,
  properties: Object.fromEntries(HOOK_EVENTS.map((event) => [event, {type: 'array', description: `Run in order ${HOOK_WHEN[event]}.`, items: {$ref: '#/definitions/hook'}}])),
}

export const V1ALPHA1_SCHEMA: RootSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'kcluster cluster config (kcluster.dev/v1alpha1)',
  description: 'A Kubernetes cluster in Docker, for `kcluster create --config FILE`. Field names follow kind v1alpha4.',
  type: 'object',
  required: ['apiVersion', 'kind'],
  additionalProperties: false,
  properties: {
    apiVersion: {type: 'string', const: V1ALPHA1_API_VERSION},
    kind: {type: 'string', const: CLUSTER_KIND},
    name: {type: 'string', description: 'Cluster name (DNS-1123 label, at most 40 characters); --name replaces it. Default: kcluster.'},
    kubernetesVersion: {type: 'string', description: 'v1.34.<patch>; unset: the node image\'s own, or the default with the default image.'},
    image: {type: 'string', description: 'Node image of every node that names none; unset: the default image, built when missing.'},
    profile: {
      type: 'string',
      enum: [...CLUSTER_PROFILES],
      default: DEFAULT_PROFILE,
      description: "What backs the API server: default is etcd (kubeadm's static pod); light is kine on SQLite (as k3s runs it), lighter on memory, one control plane only. --profile replaces it.",
    },
    nodes: {type: 'array', description: 'The nodes, in order; unset or empty: one control plane.', items: {$ref: '#/definitions/node'}},
    networking: networkingSchema,
    featureGates: {type: 'object', description: 'Feature gates of every component, e.g. {SomeGate: true}.', additionalProperties: {type: 'boolean'}},
    runtimeConfig: {type: 'object', description: "The API server's --runtime-config, e.g. {\"api/alpha\": \"false\"}.", additionalProperties: {type: 'string'}},
    kubeadmConfigPatches: strings("Merge patches of every node's kubeadm documents (YAML, matched by kind and apiVersion; kubeadm v1beta3 patches are translated)."),
    kubeadmConfigPatchesJSON6902: {type: 'array', description: "RFC 6902 patches of every node's kubeadm documents.", items: {$ref: '#/definitions/patchJSON6902'}},
    containerdConfigPatches: strings("TOML merge patches of every node's containerd configuration."),
    containerdConfigPatchesJSON6902: strings("RFC 6902 patches (YAML or JSON) of every node's containerd configuration."),
    hooks: hooksSchema,
    labels: {type: 'object', description: "Labels of the cluster's Docker containers, networks and volumes (Kubernetes label syntax), for `list`, `delete` and `prune --selector`; --label adds to them.", additionalProperties: {type: 'string'}},
    addons: {type: 'array', description: 'Addons to enable at create (`kcluster addons list` names them); storage is on unless listed with enabled: false.', items: {$ref: '#/definitions/addon'}},
  },
  definitions: {
    addon: {
      type: 'object',
      description: 'An addon of the catalog, and its options.',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: {type: 'string', description: 'e.g. storage, metrics-server, registry'},
        enabled: {type: 'boolean', default: true, description: 'false leaves out an addon that is on by default (storage).'},
        options: {type: 'object', description: "The addon's options by name.", additionalProperties: {anyOf: [{type: 'string'}, {type: 'integer'}, {type: 'boolean'}]}},
      },
    },
    node: nodeSchema,
    portMapping: {
      type: 'object',
      description: 'A node port published on the host.',
      required: ['containerPort'],
      additionalProperties: false,
      properties: {
        containerPort: {$ref: '#/definitions/port'},
        hostPort: {type: 'integer', title: 'port', minimum: 0, maximum: 65535, default: 0, description: 'Host port; 0 or unset: a free port chosen at create and pinned.'},
        listenAddress: {type: 'string', default: '127.0.0.1', description: 'Host address to publish on; 0.0.0.0 for every address.'},
        protocol: {type: 'string', enum: ['tcp', 'udp', 'sctp', 'TCP', 'UDP', 'SCTP'], default: 'tcp'},
      },
    },
    mount: {
      type: 'object',
      description: 'A host path mounted into the node container.',
      required: ['hostPath', 'containerPath'],
      additionalProperties: false,
      properties: {
        hostPath: {type: 'string', description: 'Path on the host; a relative one is taken from the working directory.'},
        containerPath: {type: 'string', description: 'Absolute path in the node container.'},
        readOnly: {type: 'boolean', default: false},
        selinuxRelabel: {type: 'boolean', default: false},
        propagation: {type: 'string', enum: ['None', 'HostToContainer', 'Bidirectional'], default: 'None'},
      },
    },
    patchJSON6902: {
      type: 'object',
      description: 'An RFC 6902 patch of the kubeadm documents of this group, version (unset: any) and kind.',
      required: ['kind', 'patch'],
      additionalProperties: false,
      properties: {
        group: {type: 'string', description: 'e.g. kubeadm.k8s.io, kubelet.config.k8s.io'},
        version: {type: 'string', description: 'e.g. v1beta4; kubeadm v1beta2/v1beta3 match kcluster\'s v1beta4 documents.'},
        kind: {type: 'string', description: 'e.g. ClusterConfiguration'},
        patch: {type: 'string', description: 'The operations, as a YAML or JSON list.'},
      },
    },
    port: {type: 'integer', title: 'port', minimum: 1, maximum: 65535},
    hook: {
      type: 'object',
      description: 'A command on this machine. It gets KCLUSTER_EVENT, KCLUSTER_CLUSTER, KCLUSTER_CONTEXT, KCLUSTER_SERVER and KUBECONFIG, and the command\'s JSON result on stdin.',
      required: ['command'],
      additionalProperties: false,
      properties: {
        name: {type: 'string', description: 'Names the hook in progress and errors; default config-<position, from 1>.'},
        command: {
          description: 'A list runs as it is, without a shell; a string runs with sh -c.',
          anyOf: [{type: 'array', items: {type: 'string'}}, {type: 'string'}],
        },
        timeout: {type: 'string', description: 'Killed after this long (Go duration, e.g. 30s, 2m). Default: 5m for post-create, 1m otherwise.'},
        continueOnError: {type: 'boolean', default: false, description: 'A failure is a warning and the command goes on.'},
        env: {type: 'object', description: 'Environment variables added for the command.', additionalProperties: {type: 'string'}},
        workingDir: {type: 'string', description: 'Where the command runs; a relative path is taken from the directory create runs in, which is the default.'},
      },
    },
  },
}
