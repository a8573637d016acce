// kubeadm's configuration as objects, built from the plan and rendered to YAML
// only at the end, so later patches (config files, addons) act on structure,
// never on text.
import yaml from 'js-yaml'
import {API_SERVER_PORT, type ClusterPlan, type PlannedNode, type Taint} from '../../plan/plan-cluster.js'

export const KUBEADM_API = 'kubeadm.k8s.io/v1beta4'
export const KUBEADM_CONFIG_PATH = '/etc/kcluster/kubeadm.yaml'
export const CRI_SOCKET = 'unix:///run/containerd/containerd.sock'

export type KubeadmDocument = {apiVersion: string; kind: string} & Record<string, unknown>

/** Secrets a create makes once and shares between init and the joins. */
export interface JoinSecrets {
  /** Bootstrap token, [a-z0-9]{6}.[a-z0-9]{16}. */
  token: string
  /** Encrypts the control-plane certificates kubeadm shares with joining control planes (hex, 32 bytes). */
  certificateKey: string
}

function nodeRegistration(node: PlannedNode, taints: Taint[]) {
  return {
    name: node.name,
    criSocket: CRI_SOCKET,
    // Every image is preloaded; nothing can be pulled here.
    imagePullPolicy: 'Never',
    taints,
    kubeletExtraArgs: [{name: 'node-ip', value: node.ipv4}],
  }
}

export function initConfiguration(node: PlannedNode, secrets: JoinSecrets): KubeadmDocument {
  return {
    apiVersion: KUBEADM_API,
    kind: 'InitConfiguration',
    bootstrapTokens: [{token: secrets.token}],
    certificateKey: secrets.certificateKey,
    localAPIEndpoint: {advertiseAddress: node.ipv4, bindPort: API_SERVER_PORT},
    nodeRegistration: nodeRegistration(node, node.taints),
  }
}

export function clusterConfiguration(plan: ClusterPlan, kubernetesVersion: string): KubeadmDocument {
  const controlPlanes = plan.nodes.filter((n) => n.role === 'control-plane')
  return {
    apiVersion: KUBEADM_API,
    kind: 'ClusterConfiguration',
    clusterName: plan.name,
    kubernetesVersion,
    controlPlaneEndpoint: plan.apiServer.endpoint,
    certificateValidityPeriod: '8760h0m0s',
    encryptionAlgorithm: 'ECDSA-P256',
    networking: {podSubnet: plan.podSubnet, serviceSubnet: plan.serviceSubnet, dnsDomain: 'cluster.local'},
    apiServer: {
      // Every name and address a client may use: the host's published address, the endpoint, each control plane.
      certSANs: unique(['localhost', '127.0.0.1', plan.apiServer.hostAddress, plan.apiServer.endpointHost, ...(plan.loadBalancer ? [plan.loadBalancer.ipv4] : []), ...controlPlanes.flatMap((n) => [n.name, n.ipv4])]),
    },
    etcd: {
      local: {
        // Clusters are disposable: trade crash safety for a faster start.
        extraArgs: [{name: 'unsafe-no-fsync', value: 'true'}],
      },
    },
  }
}

export function kubeletConfiguration(): KubeadmDocument {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'cgroupfs',
    // The node's own root: keeps pod cgroups apart from systemd's in the container.
    cgroupRoot: '/kubelet',
    failCgroupV1: false,
    failSwapOn: false,
    resolvConf: '/etc/kcluster/resolv.conf',
    // Preloaded images can never be pulled again here: never collect them.
    imageGCHighThresholdPercent: 100,
    evictionHard: {'nodefs.available': '0%', 'nodefs.inodesFree': '0%', 'imagefs.available': '0%'},
  }
}

export function kubeProxyConfiguration(): KubeadmDocument {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    conntrack: {
      // The conntrack table size is host-global and not writable from a node.
      maxPerCore: 0,
      tcpEstablishedTimeout: '0s',
      tcpCloseWaitTimeout: '0s',
    },
  }
}

export function joinConfiguration(plan: ClusterPlan, node: PlannedNode, secrets: JoinSecrets): KubeadmDocument {
  return {
    apiVersion: KUBEADM_API,
    kind: 'JoinConfiguration',
    discovery: {
      // The token authenticates the node; the CA is taken on trust inside the cluster's own network.
      bootstrapToken: {apiServerEndpoint: plan.apiServer.endpoint, token: secrets.token, unsafeSkipCAVerification: true},
    },
    nodeRegistration: nodeRegistration(node, node.taints),
    ...(node.role === 'control-plane'
      ? {controlPlane: {localAPIEndpoint: {advertiseAddress: node.ipv4, bindPort: API_SERVER_PORT}, certificateKey: secrets.certificateKey}}
      : {}),
  }
}

/** The documents kubeadm reads on this node: init on the first control plane, join elsewhere. */
export function kubeadmDocuments(plan: ClusterPlan, node: PlannedNode, kubernetesVersion: string, secrets: JoinSecrets): KubeadmDocument[] {
  if (node.bootstrap === 'init') {
    return [initConfiguration(node, secrets), clusterConfiguration(plan, kubernetesVersion), kubeletConfiguration(), kubeProxyConfiguration()]
  }
  return [joinConfiguration(plan, node, secrets)]
}

export function renderKubeadmConfig(documents: KubeadmDocument[]): string {
  return documents.map((doc) => yaml.dump(doc, {lineWidth: -1, noRefs: true, quotingType: '"'})).join('---\n')
}

function unique(values: string[]): string[] {
  // An unspecified address (published on every interface) is no name a client uses.
  return [...new Set(values.filter((v) => v && v !== '0.0.0.0' && v !== '::'))]
}
