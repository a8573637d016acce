// kubeadm's configuration as objects, built from the plan and rendered to YAML
// only at the end, so later patches (config files, addons) act on structure,
// never on text.
import yaml from 'js-yaml'
import {KUBEADM_DOCUMENT_API_VERSIONS} from '../../config/kubeadm-patch-target.js'
import {API_SERVER_PORT, type ClusterPlan, type PlannedNode, type Taint} from '../../plan/plan-cluster.js'
import {KINE_ENDPOINT} from '../kine.js'
import {applyKubeadmPatches} from './patches.js'
import {componentServingConfig} from './serving-certificates.js'

export const KUBEADM_API = KUBEADM_DOCUMENT_API_VERSIONS.ClusterConfiguration!
export const KUBEADM_CONFIG_PATH = '/etc/kcluster/kubeadm.yaml'
export const CRI_SOCKET = 'unix:///run/containerd/containerd.sock'
/** kubeadm's own patches for what it renders (corednsdeployment and the like), written before init. */
export const KUBEADM_PATCHES_DIR = '/etc/kcluster/kubeadm-patches'

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

export function initConfiguration(node: PlannedNode, secrets: JoinSecrets, plan?: Pick<ClusterPlan, 'kubeProxyMode' | 'disableDefaultCNI'>): KubeadmDocument {
  return {
    apiVersion: KUBEADM_API,
    kind: 'InitConfiguration',
    bootstrapTokens: [{token: secrets.token}],
    certificateKey: secrets.certificateKey,
    localAPIEndpoint: {advertiseAddress: node.ipv4, bindPort: API_SERVER_PORT},
    nodeRegistration: nodeRegistration(node, node.taints),
    // With kcluster's pod network, CoreDNS is created as kcluster runs it (../steps/bootstrap.ts writes the patch).
    ...(plan && !plan.disableDefaultCNI ? {patches: {directory: KUBEADM_PATCHES_DIR}} : {}),
    ...(plan?.kubeProxyMode === 'none' ? {skipPhases: ['addon/kube-proxy']} : {}),
  }
}

/** Feature gates as a component flag: sorted Name=true,Other=false. */
function featureGatesFlag(gates: Record<string, boolean>): {name: string; value: string}[] {
  const names = Object.keys(gates).sort()
  return names.length === 0 ? [] : [{name: 'feature-gates', value: names.map((n) => `${n}=${gates[n]}`).join(',')}]
}

function runtimeConfigFlag(config: Record<string, string>): {name: string; value: string}[] {
  const keys = Object.keys(config).sort()
  return keys.length === 0 ? [] : [{name: 'runtime-config', value: keys.map((k) => `${k}=${config[k]}`).join(',')}]
}

/**
 * Go collects garbage when the heap has grown by GOGC % over what survived the last collection (default 100):
 * an idle component holds about as much garbage as live data. At 50, measured on one node after idling, the API
 * server 193 → 166 MiB, etcd 30 → 25, the controller manager 48 → 45, the scheduler 26 → 24, with no more CPU
 * spent over the first minutes. The API server, the CPU a create waits on, stays at 50 too: at 30 it idled at
 * 149 MiB instead of 161, but its collector took a fifth of its CPU while it started and served the create (A/B:
 * 1.2 CPU-s more, create 17.4 vs 15.6 s). A GOMEMLIMIT was refused: at 128 MiB the collector ran without pause
 * (a core busy at idle), and any limit becomes that cliff once a user's objects grow the live heap; GOGC only
 * scales.
 */
const LEANER_GC = {name: 'GOGC', value: '50'}

/**
 * The scheduler starts beside a new API server and its first lists are refused until RBAC's default roles exist;
 * client-go then waits 0.8 s, 1.6 s, ... before listing again, and the first pods were bound about 1 s after the
 * controller manager made them. With this set, our build of the component binaries (images/components/kube)
 * holds the scheduler until /readyz answers its own credentials.
 */
const START_AFTER_READY_API_SERVER = {name: 'KCLUSTER_START_AFTER_READY_API_SERVER', value: 'true'}

/** A component's extraArgs, left out when there are none. */
function withArgs(args: {name: string; value: string}[]): {extraArgs?: {name: string; value: string}[]} {
  return args.length === 0 ? {} : {extraArgs: args}
}

export function clusterConfiguration(plan: ClusterPlan, kubernetesVersion: string): KubeadmDocument {
  const controlPlanes = plan.nodes.filter((n) => n.role === 'control-plane')
  // With one control plane there is nobody to elect: a restarted controller manager or scheduler then works at
  // once instead of honouring its predecessor's lease for 15 s and more (no endpoint follows a pod meanwhile).
  const alone = controlPlanes.length === 1 ? [{name: 'leader-elect', value: 'false'}] : []
  const componentArgs = [...featureGatesFlag(plan.featureGates), ...alone]
  // The controller manager starts its ~40 controllers one after another, each asking the API server for its own
  // service account's token: at the default 20 requests/s that took 150 ms each, 5–6 s before the node got its
  // pod CIDR. A burst that covers the start lets it through at once.
  const controllerManagerArgs = [...componentArgs, {name: 'kube-api-qps', value: '100'}, {name: 'kube-api-burst', value: '200'}]
  const controllerManagerServing = componentServingConfig('kube-controller-manager')
  const schedulerServing = componentServingConfig('kube-scheduler')
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
      ...withArgs([...featureGatesFlag(plan.featureGates), ...runtimeConfigFlag(plan.runtimeConfig)]),
      extraEnvs: [LEANER_GC],
    },
    controllerManager: {...withArgs([...controllerManagerArgs, ...controllerManagerServing.args]), extraVolumes: [controllerManagerServing.volume], extraEnvs: [LEANER_GC]},
    scheduler: {...withArgs([...componentArgs, ...schedulerServing.args]), extraVolumes: [schedulerServing.volume], extraEnvs: [LEANER_GC, START_AFTER_READY_API_SERVER]},
    etcd: etcdConfiguration(plan),
  }
}

/**
 * default: kubeadm's etcd, a static pod. light: kine on this node's loopback, which kubeadm takes for an
 * external etcd; plain HTTP needs no certificate files (kubeadm asks for them only with https endpoints).
 */
function etcdConfiguration(plan: Pick<ClusterPlan, 'profile'>): Record<string, unknown> {
  if (plan.profile === 'light') return {external: {endpoints: [KINE_ENDPOINT]}}
  // Clusters are disposable: trade crash safety for a faster start.
  return {local: {extraArgs: [{name: 'unsafe-no-fsync', value: 'true'}], extraEnvs: [LEANER_GC]}}
}

/** What kubelet needs to run in a node container at all, nothing tuned (the bench's kubeadm baseline uses it too). */
export function kubeletInNodeContainer(): KubeadmDocument {
  return {
    apiVersion: KUBEADM_DOCUMENT_API_VERSIONS.KubeletConfiguration!,
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

export function kubeletConfiguration(plan?: Pick<ClusterPlan, 'featureGates'>): KubeadmDocument {
  return {
    ...kubeletInNodeContainer(),
    // How often kubelet looks at its node's state (it posts only on a change): a node that becomes Ready
    // after a start says so within 2 s, not at the next 10 s tick.
    nodeStatusUpdateFrequency: '2s',
    // Said explicitly, or it would follow the above and post an unchanged status every 2 s.
    nodeStatusReportFrequency: '5m',
    configMapAndSecretChangeDetectionStrategy: 'Get',
    ...featureGatesField(plan),
  }
}

function featureGatesField(plan?: Pick<ClusterPlan, 'featureGates'>): {featureGates?: Record<string, boolean>} {
  return plan && Object.keys(plan.featureGates).length > 0 ? {featureGates: {...plan.featureGates}} : {}
}

export function kubeProxyConfiguration(plan?: Pick<ClusterPlan, 'featureGates' | 'kubeProxyMode'>): KubeadmDocument {
  return {
    apiVersion: KUBEADM_DOCUMENT_API_VERSIONS.KubeProxyConfiguration!,
    kind: 'KubeProxyConfiguration',
    mode: plan?.kubeProxyMode ?? 'iptables',
    ...featureGatesField(plan),
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

/** The documents kcluster writes for this node before any patch: init on the first control plane, join elsewhere. */
export function unpatchedKubeadmDocuments(plan: ClusterPlan, node: PlannedNode, kubernetesVersion: string, secrets: JoinSecrets): KubeadmDocument[] {
  if (node.bootstrap === 'init') {
    return [
      initConfiguration(node, secrets, plan),
      clusterConfiguration(plan, kubernetesVersion),
      kubeletConfiguration(plan),
      // kubeProxyMode none: kubeadm skips the kube-proxy addon, and nothing reads its configuration.
      ...(plan.kubeProxyMode === 'none' ? [] : [kubeProxyConfiguration(plan)]),
    ]
  }
  return [joinConfiguration(plan, node, secrets)]
}

/** The documents kubeadm reads on this node, with the cluster's kubeadm patches and then the node's own applied. */
export function kubeadmDocuments(plan: ClusterPlan, node: PlannedNode, kubernetesVersion: string, secrets: JoinSecrets): KubeadmDocument[] {
  const patches = {
    merge: [...plan.kubeadmPatches.merge, ...node.kubeadmPatches.merge],
    json6902: [...plan.kubeadmPatches.json6902, ...node.kubeadmPatches.json6902],
  }
  return applyKubeadmPatches(unpatchedKubeadmDocuments(plan, node, kubernetesVersion, secrets), patches).documents
}

export function renderKubeadmConfig(documents: KubeadmDocument[]): string {
  return documents.map((doc) => yaml.dump(doc, {lineWidth: -1, noRefs: true, quotingType: '"'})).join('---\n')
}

function unique(values: string[]): string[] {
  // An unspecified address (published on every interface) is no name a client uses.
  return [...new Set(values.filter((v) => v && v !== '0.0.0.0' && v !== '::'))]
}
