// The baseline kcluster is measured against: the way kind brings a node up,
// with nothing tuned. The same node image and node container start as
// kcluster's, then `kubeadm init` with kubeadm's defaults plus only what a
// node container needs to run at all (what kind sets too: the cgroup driver
// and root, no swap check, the resolver file, no image collection or disk
// eviction, kube-proxy's conntrack left alone), kubeadm's own CoreDNS as it
// deploys it, the same pod network (its CNI configuration, flanneld), no
// storage; then the same wait for Ready nodes and answering cluster DNS.
import {API_SERVER_PORT} from '../../src/config/api-server.js'
import {defaultNetworking, type ClusterSpec} from '../../src/config/cluster-spec.js'
import {clusterImagesFrom} from '../../src/lifecycle/cluster-images.js'
import type {CreateContext} from '../../src/lifecycle/create-context.js'
import {initNode, newCreateContext, required} from '../../src/lifecycle/create-context.js'
import {createSteps} from '../../src/lifecycle/create-cluster.js'
import {CRI_SOCKET, KUBEADM_API, KUBEADM_CONFIG_PATH, kubeletInNodeContainer, renderKubeadmConfig, type KubeadmDocument} from '../../src/lifecycle/kubeadm/config.js'
import {kubectlIn} from '../../src/lifecycle/kubectl.js'
import {CNI_CONFIG_PATH, cniConfig, networkManifest} from '../../src/lifecycle/pod-network.js'
import {rollback} from '../../src/lifecycle/steps/rollback.js'
import {stopAhead} from '../../src/lifecycle/ahead.js'
import {waitFor} from '../../src/lifecycle/wait.js'
import {KUBEADM_DOCUMENT_API_VERSIONS} from '../../src/config/kubeadm-patch-target.js'
import {SequentialStepRunner, type Step} from '../../src/progress/step.js'
import type {Provider} from '../../src/provider/types.js'

/** kubeadm's defaults, and only what running in a node container needs. */
export function baselineKubeadmDocuments(ctx: CreateContext): KubeadmDocument[] {
  const plan = required(ctx.plan, 'the plan')
  const node = plan.nodes.find((n) => n.bootstrap === 'init')!
  return [
    {
      apiVersion: KUBEADM_API,
      kind: 'InitConfiguration',
      localAPIEndpoint: {advertiseAddress: node.ipv4, bindPort: API_SERVER_PORT},
      nodeRegistration: {name: node.name, criSocket: CRI_SOCKET, imagePullPolicy: 'Never', kubeletExtraArgs: [{name: 'node-ip', value: node.ipv4}]},
    },
    {
      apiVersion: KUBEADM_API,
      kind: 'ClusterConfiguration',
      kubernetesVersion: required(ctx.kubernetesVersion, 'the Kubernetes version'),
      controlPlaneEndpoint: plan.apiServer.endpoint,
      networking: {podSubnet: plan.podSubnet, serviceSubnet: plan.serviceSubnet},
    },
    kubeletInNodeContainer(),
    {
      apiVersion: KUBEADM_DOCUMENT_API_VERSIONS.KubeProxyConfiguration!,
      kind: 'KubeProxyConfiguration',
      conntrack: {maxPerCore: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s'},
    },
  ]
}

const baselineInit: Step<CreateContext> = {
  id: 'kubeadm-init',
  title: 'kubeadm init, defaults',
  run: async (ctx, step) => {
    const node = initNode(ctx)
    await node.writeFile(KUBEADM_CONFIG_PATH, renderKubeadmConfig(baselineKubeadmDocuments(ctx)), 0o600)
    await node.exec(['kubeadm', 'init', `--config=${KUBEADM_CONFIG_PATH}`, '--skip-phases=preflight', '--skip-token-print'], {signal: step.signal})
  },
}

const baselinePodNetwork: Step<CreateContext> = {
  id: 'install-pod-network',
  title: 'Pod network, CoreDNS left as kubeadm deploys it',
  run: async (ctx, step) => {
    const plan = required(ctx.plan, 'the plan')
    const admin = initNode(ctx)
    const manifest = networkManifest({podSubnet: plan.podSubnet, flannelImage: ctx.bundledImages.flannel!, apiServerHost: plan.apiServer.endpointHost, apiServerPort: API_SERVER_PORT})
    await kubectlIn(admin, ['apply', '-f', '-'], {stdin: manifest, signal: step.signal})
    const cidr = await waitFor({what: 'a pod CIDR', timeoutMs: 120_000, intervalMs: 200, signal: step.signal}, async () =>
      (await kubectlIn(admin, ['get', 'node', admin.name, '-o', 'jsonpath={.spec.podCIDR}'], {signal: step.signal})).stdout.trim() || undefined,
    )
    await admin.writeFile(CNI_CONFIG_PATH, `${JSON.stringify(cniConfig(cidr, 1500), null, 2)}\n`)
  },
}

/** The steps of the baseline: kcluster's create with its kubeadm and network steps swapped, its addons and kubeconfig left out. */
export function baselineSteps(): Step<CreateContext>[] {
  const swapped: Record<string, Step<CreateContext> | undefined> = {'kubeadm-init': baselineInit, 'install-pod-network': baselinePodNetwork}
  const leftOut = new Set(['join-control-planes', 'join-workers', 'label-nodes', 'enable-addons', 'wait-addons', 'write-kubeconfig'])
  return createSteps()
    .filter((s) => !leftOut.has(s.id))
    .map((s) => (s.id in swapped ? swapped[s.id]! : s))
}

export interface BaselineRun {
  durationMs: number
  phases: {stepId: string; durationMs: number}[]
}

/** One baseline create of a single node, timed by step, then deleted again (also when it fails). */
export async function createBaseline(name: string, provider: Provider, kubeconfigPath: string): Promise<BaselineRun> {
  // No storage, as the steps say: with it asked for, the wait for it would start beside the wait for DNS and poll.
  const spec: ClusterSpec = {name, nodes: [{role: 'control-plane'}], networking: defaultNetworking(), addons: [{name: 'storage', enabled: false, options: {}, field: 'baseline'}]}
  const ctx = newCreateContext(spec, {waitMs: 600_000, retain: false, kubeconfigPath}, provider, clusterImagesFrom(provider))
  const phases: BaselineRun['phases'] = []
  const timed = baselineSteps().map((step): Step<CreateContext> => ({
    ...step,
    run: async (c, s) => {
      const started = Date.now()
      await step.run(c, s)
      phases.push({stepId: step.id, durationMs: Date.now() - started})
    },
  }))
  const started = Date.now()
  try {
    await new SequentialStepRunner().run(timed, ctx)
    return {durationMs: Date.now() - started, phases}
  } finally {
    // The wait for the addons starts beside the wait for DNS, and its step is left out here: it would poll on.
    await stopAhead(ctx.ahead, 'the baseline ended')
    await new SequentialStepRunner().run([rollback], ctx).catch(() => {})
  }
}
