import type {ClusterSpec, RunOptions} from '../config/cluster-spec.js'
import type {ClusterPlan, PlanFacts} from '../plan/plan-cluster.js'
import type {StepContext} from '../progress/step.js'
import {metadataLabels, type ClusterMetadata} from '../provider/labels.js'
import type {Node, Provider, SecurityMode} from '../provider/types.js'
import type {JoinSecrets} from './kubeadm/config.js'
import type {AddonRequest} from './addons.js'
import type {AdminApiSession} from './admin-api.js'
import {newAheadWork, type AheadWork} from './ahead.js'
import {parseAdminKubeconfig, type AdminCredentials} from '../kubeconfig/index.js'
import {ADMIN_KUBECONFIG} from './kubectl.js'

/** Where create gets its images: the default ones are built here when missing. */
export interface ClusterImages {
  /** Ensures the default node image of a version, building what is missing; reports through the step. */
  ensureDefault(kubernetesVersion: string, step: StepContext): Promise<{reference: string; built: boolean}>
  /** Ensures the load balancer's image, building it when missing. */
  ensureLoadBalancer(step: StepContext): Promise<{reference: string}>
  /** Ensures the image holding kine (profile light), building it when missing. */
  ensureKine(step: StepContext): Promise<{reference: string}>
  /** What a node image says it carries (its labels); throws when the image is missing. */
  describe(reference: string): Promise<NodeImageFacts>
}

export interface NodeImageFacts {
  kubernetesVersion?: string
  /** Images of kcluster's own cluster parts preloaded in the node image, by recipe id ("flannel", "local-path-provisioner"). */
  bundled: Record<string, string>
}

export interface CreateContext {
  spec: ClusterSpec
  run: RunOptions
  provider: Provider
  images: ClusterImages
  /** The cluster's node image and the Kubernetes version it carries, once ensured. */
  image?: string
  loadBalancerImage?: string
  /** The image kine's program is copied from (profile light). */
  kineImage?: string
  /** Images of kcluster's own cluster parts in the node image, by recipe id. */
  bundledImages: Record<string, string>
  kubernetesVersion?: string
  imageBuilt: boolean
  facts?: PlanFacts
  plan?: ClusterPlan
  /** Set once the cluster name is ours: from then on a failure removes what carries the cluster's label. */
  claim?: {release(): Promise<void>}
  /** The user's labels and the expiry (--ttl counts from the claim), on everything the create makes. */
  metadata?: ClusterMetadata
  securityMode?: SecurityMode
  /** Provisioned nodes, in plan order. */
  nodes: Node[]
  secrets?: JoinSecrets
  /** The addons to enable, resolved against the catalog (storage unless turned off). */
  addons?: AddonRequest[]
  /** Nodes still booting (until their containerd serves) when the create went on, by node name: a join awaits its node's, init watches its own. */
  booting: Map<string, Promise<void>>
  /** Nodes that carry their planned labels already (a worker is labelled as soon as it joined). */
  labelled: Set<string>
  /** Pod CIDR of each node that has its CNI configuration, by node name. */
  podCidrs: Map<string, string>
  /** Work started before the step that needs it (see ahead.ts). */
  ahead: AheadWork
  /** Set when the kubeconfig was written, with the context that was current before, for rollback. */
  kubeconfig?: {previousContext?: string}
  /** kubeadm's admin credentials, read once from the init node (adminCredentials). */
  admin?: Promise<AdminCredentials>
  /** The create's connection to the API server as the admin, shared by its steps (see admin-api.ts). */
  adminApi?: AdminApiSession
}

/** A create's context before its first step: what it was given, and nothing learnt yet. */
export function newCreateContext(spec: ClusterSpec, run: RunOptions, provider: Provider, images: ClusterImages): CreateContext {
  return {spec, run, provider, images, imageBuilt: false, nodes: [], bundledImages: {}, podCidrs: new Map(), labelled: new Set(), booting: new Map(), ahead: newAheadWork()}
}

/** The value a step needs from an earlier step; its absence is a bug in the step order. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`create step order: ${what} is not known yet`)
  return value
}

/** Labels of every container, network and volume the create makes, beside kcluster's own. */
export function resourceLabels(ctx: CreateContext): Record<string, string> {
  return metadataLabels(required(ctx.metadata, 'the cluster metadata'))
}

/** The provisioned node planned under this name. */
export function nodeNamed(ctx: CreateContext, name: string): Node {
  return required(ctx.nodes.find((n) => n.name === name), `node ${name}`)
}

/** The node that ran kubeadm init: it holds the admin kubeconfig. */
export function initNode(ctx: CreateContext): Node {
  const planned = required(ctx.plan, 'the plan').nodes.find((n) => n.bootstrap === 'init')!
  return nodeNamed(ctx, planned.name)
}

/**
 * kubeadm's admin credentials from the init node's admin.conf, read once per create (it never changes), however
 * many ask at once; a read that failed is tried again by the next to ask.
 */
export function adminCredentials(ctx: CreateContext, signal: AbortSignal): Promise<AdminCredentials> {
  const reading = (ctx.admin ??= initNode(ctx)
    .exec(['cat', ADMIN_KUBECONFIG], {signal})
    .then((result) => parseAdminKubeconfig(result.stdout)))
  reading.catch(() => {
    if (ctx.admin === reading) ctx.admin = undefined
  })
  return reading
}
