// kubeadm on every node, by role: init on the first control plane, then the
// other control planes join one at a time (etcd grows one member at a time),
// then the workers join together.
import {randomBytes} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'
import {CommandFailedError} from '../../errors/index.js'
import type {Step, StepContext} from '../../progress/step.js'
import type {PlannedNode} from '../../plan/plan-cluster.js'
import type {NodeFile} from '../../provider/types.js'
import {KUBEADM_LOG_PATH} from '../cluster-record.js'
import type {CreateContext} from '../create-context.js'
import {nodeNamed, required} from '../create-context.js'
import {finishAhead} from '../ahead.js'
import {KUBEADM_ADDONS, startWhenApiServes} from './start-ahead.js'
import {KUBELET_CURRENT_CERTIFICATE, KUBELET_KUBECONFIG_PATH, withRotatingCertificate} from '../kubeadm/kubelet-conf.js'
import {labelNode} from './label-nodes.js'
import {servingCertificatesFiles} from '../kubeadm/serving-certificates.js'
import {KUBEADM_CONFIG_PATH, KUBEADM_PATCHES_DIR, kubeadmDocuments, renderKubeadmConfig, type JoinSecrets} from '../kubeadm/config.js'
import {coreDnsPatch, installPodNetwork} from './install-pod-network.js'

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

function randomText(length: number): string {
  return [...randomBytes(length)].map((b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length]).join('')
}

export function newJoinSecrets(): JoinSecrets {
  return {token: `${randomText(6)}.${randomText(16)}`, certificateKey: randomBytes(32).toString('hex')}
}

/** What kubeadm printed, kept in the node for `kcluster export logs`. */
interface KubeadmRun {
  log: string
  failure?: CommandFailedError
}

async function execKubeadm(ctx: CreateContext, planned: PlannedNode, command: string[], signal: AbortSignal): Promise<KubeadmRun> {
  const node = nodeNamed(ctx, planned.name)
  const result = await node.exec(command, {signal, allowFailure: true})
  const log = `$ ${command.join(' ')}\n${result.stdout}${result.stderr}`
  if (result.exitCode === 0) return {log}
  return {log, failure: new CommandFailedError(command, result.exitCode, (result.stdout + result.stderr).trim(), {container: node.containerName, description: `node ${node.name}`})}
}

async function keepLog(ctx: CreateContext, planned: PlannedNode, runs: KubeadmRun[]): Promise<void> {
  // Not keeping it must not fail the create.
  await nodeNamed(ctx, planned.name).writeFile(KUBEADM_LOG_PATH, runs.map((r) => r.log).join('\n'), 0o644).catch(() => {})
}

/**
 * Phases kubeadm skips: preflight checks a real host (a node container is known to fail some, and pulls
 * nothing); kubeadm's own addons (CoreDNS, kube-proxy) are applied apart, as soon as the API server serves
 * (kubeadmAddons); kubelet-finalize is done without its kubelet restart (../kubeadm/kubelet-conf.ts). Given on
 * the command line, which makes kubeadm ignore the configuration's skipPhases.
 */
function skippedPhases(planned: PlannedNode): string {
  return planned.bootstrap === 'init' ? 'preflight,kubelet-finalize,addon/coredns,addon/kube-proxy' : 'preflight'
}

/**
 * kubeadm's configuration and patches on this node, and what makes the serving certificates the components
 * would otherwise make as they start: put in with the node's other files before it starts (provision-nodes.ts),
 * so that the create runs nothing in the node between its start and kubeadm's.
 */
export function bootstrapFiles(ctx: CreateContext, planned: PlannedNode): NodeFile[] {
  const documents = kubeadmDocuments(required(ctx.plan, 'the plan'), planned, required(ctx.kubernetesVersion, 'the Kubernetes version'), required(ctx.secrets, 'the join secrets'))
  return [
    {path: KUBEADM_CONFIG_PATH, content: renderKubeadmConfig(documents), mode: 0o600},
    ...kubeadmOwnPatches(ctx, planned),
    ...servingCertificatesFiles(planned),
  ]
}

/** The files of kubeadm's patches directory on this node: CoreDNS as kcluster runs it, where init applies it. */
function kubeadmOwnPatches(ctx: CreateContext, planned: PlannedNode): NodeFile[] {
  const plan = required(ctx.plan, 'the plan')
  if (planned.bootstrap !== 'init' || installPodNetwork.skip?.(ctx)) return []
  return [{path: `${KUBEADM_PATCHES_DIR}/corednsdeployment+strategic.json`, content: `${JSON.stringify(coreDnsPatch(plan.apiServer.endpointIpv4, plan.nodes.length))}\n`, mode: 0o600}]
}

async function joinNode(ctx: CreateContext, planned: PlannedNode, step: StepContext): Promise<void> {
  await ctx.booting.get(planned.name)
  const run = await execKubeadm(ctx, planned, ['kubeadm', 'join', `--config=${KUBEADM_CONFIG_PATH}`, `--skip-phases=${skippedPhases(planned)}`, '--v=1'], step.signal)
  await keepLog(ctx, planned, [run])
  if (run.failure) throw run.failure
}

async function finalizeKubelet(ctx: CreateContext, planned: PlannedNode, signal: AbortSignal): Promise<void> {
  const node = nodeNamed(ctx, planned.name)
  // As kubeadm does: without the store's file, client rotation is off and the inline certificate stays.
  if ((await node.exec(['test', '-e', KUBELET_CURRENT_CERTIFICATE], {signal, allowFailure: true})).exitCode !== 0) return
  const current = (await node.exec(['cat', KUBELET_KUBECONFIG_PATH], {signal})).stdout
  await node.writeFile(KUBELET_KUBECONFIG_PATH, withRotatingCertificate(current, planned.name), 0o600)
}

/** How often the addon phase is run again after a refusal of the admin's credentials, and the pause between. */
const ADDON_PHASE_ATTEMPTS = 10
const ADDON_PHASE_PAUSE_MS = 300

/**
 * kubeadm's addon phase of init: CoreDNS, and kube-proxy unless the plan leaves it out. Run as soon as the API
 * server is ready, it may be the first to need the kubeadm:cluster-admins binding: it makes the binding itself,
 * then lists at once as the admin, which the API server can still refuse for a moment (seen once in a test run:
 * "deployments.apps is forbidden: User kubernetes-admin"). The phase only creates or updates, so it is run
 * again on such a refusal.
 */
async function kubeadmAddons(ctx: CreateContext, planned: PlannedNode, signal: AbortSignal): Promise<KubeadmRun> {
  const addon = required(ctx.plan, 'the plan').kubeProxyMode === 'none' ? 'coredns' : 'all'
  const logs: string[] = []
  for (let attempt = 1; ; attempt++) {
    const run = await execKubeadm(ctx, planned, ['kubeadm', 'init', 'phase', 'addon', addon, `--config=${KUBEADM_CONFIG_PATH}`, '--v=1'], signal)
    logs.push(run.log)
    if (!run.failure || attempt === ADDON_PHASE_ATTEMPTS || !/is forbidden: User "kubernetes-admin"/.test(run.log)) return {...run, log: logs.join('\n')}
    await sleep(ADDON_PHASE_PAUSE_MS, undefined, {signal})
  }
}

function nodesBootstrapping(ctx: CreateContext, bootstrap: PlannedNode['bootstrap']): PlannedNode[] {
  return required(ctx.plan, 'the plan').nodes.filter((n) => n.bootstrap === bootstrap)
}

function hasControlPlaneJoins(ctx: CreateContext): boolean {
  return nodesBootstrapping(ctx, 'join-control-plane').length > 0
}

export const kubeadmInit: Step<CreateContext> = {
  id: 'kubeadm-init',
  title: 'Start the control plane (kubeadm init)',
  run: async (ctx, step) => {
    const planned = nodesBootstrapping(ctx, 'init')[0]!
    const command = ['kubeadm', 'init', `--config=${KUBEADM_CONFIG_PATH}`, `--skip-phases=${skippedPhases(planned)}`, '--skip-token-print', ...(hasControlPlaneJoins(ctx) ? ['--upload-certs'] : []), '--v=1']
    const init = execKubeadm(ctx, planned, command, step.signal)
    const initOk = init.then((run) => (run.failure ? Promise.reject(run.failure) : undefined))
    initOk.catch(() => {})
    // Control planes join one at a time after init (etcd grows a member at a time); workers join ahead only without them.
    const workersAhead = !joinWorkers.skip?.(ctx) && !hasControlPlaneJoins(ctx)
    let addons: KubeadmRun | undefined
    startWhenApiServes(ctx, initOk, {
      addons: async (signal) => {
        addons = await kubeadmAddons(ctx, planned, signal)
        if (addons.failure) throw addons.failure
      },
      ...(workersAhead ? {joinWorkers: {stepId: joinWorkers.id, run: (s) => joinAllWorkers(ctx, s)}} : {}),
    })
    // Its node boots meanwhile: a node that never gets its containerd up fails the step now, not after
    // kubeadm's own 4 min wait for a kubelet that cannot start.
    const booted = ctx.booting.get(planned.name)
    const run = await (booted ? Promise.race([init, booted.then(() => init)]) : init)
    try {
      if (run.failure) throw run.failure
      await Promise.all([finishAhead(ctx.ahead, KUBEADM_ADDONS, step), finalizeKubelet(ctx, planned, step.signal)])
    } finally {
      await keepLog(ctx, planned, addons ? [run, addons] : [run])
    }
  },
}

export const joinControlPlanes: Step<CreateContext> = {
  id: 'join-control-planes',
  title: 'Join the other control planes',
  skip: (ctx) => (hasControlPlaneJoins(ctx) ? undefined : 'one control plane'),
  run: async (ctx, step) => {
    for (const planned of nodesBootstrapping(ctx, 'join-control-plane')) {
      step.report(planned.name)
      await joinNode(ctx, planned, step)
    }
  },
}

export const joinWorkers: Step<CreateContext> = {
  id: 'join-workers',
  title: 'Join the workers',
  skip: (ctx) => (nodesBootstrapping(ctx, 'join-worker').length > 0 ? undefined : 'no workers'),
  run: async (ctx, step) => {
    const names = nodesBootstrapping(ctx, 'join-worker').map((w) => w.name)
    if (await finishAhead(ctx.ahead, joinWorkers.id, step)) return step.report(`${names.join(', ')}: joined while kubeadm init finished`)
    step.report(names.join(', '))
    await joinAllWorkers(ctx, step)
  },
}

/** Every worker at once: each only talks to the API server. Each is labelled as soon as it joined. */
export async function joinAllWorkers(ctx: CreateContext, step: StepContext): Promise<void> {
  await Promise.all(
    nodesBootstrapping(ctx, 'join-worker').map(async (planned) => {
      await joinNode(ctx, planned, step)
      await labelNode(ctx, planned, step.signal)
    }),
  )
}

export const bootstrapSteps: Step<CreateContext>[] = [kubeadmInit, joinControlPlanes, joinWorkers]
