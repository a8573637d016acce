// kubeadm on every node, by role: init on the first control plane, then the
// other control planes join one at a time (etcd grows one member at a time),
// then the workers join together.
import {randomBytes} from 'node:crypto'
import {CommandFailedError} from '../../errors/index.js'
import type {Step, StepContext} from '../../progress/step.js'
import type {PlannedNode} from '../../plan/plan-cluster.js'
import {KUBEADM_LOG_PATH} from '../cluster-record.js'
import type {CreateContext} from '../create-context.js'
import {nodeNamed, required} from '../create-context.js'
import {finishAhead} from '../ahead.js'
import {startWhenApiServes} from './start-ahead.js'
import {KUBEADM_CONFIG_PATH, kubeadmDocuments, renderKubeadmConfig, type JoinSecrets} from '../kubeadm/config.js'

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

function randomText(length: number): string {
  return [...randomBytes(length)].map((b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length]).join('')
}

export function newJoinSecrets(): JoinSecrets {
  return {token: `${randomText(6)}.${randomText(16)}`, certificateKey: randomBytes(32).toString('hex')}
}

async function runKubeadm(ctx: CreateContext, planned: PlannedNode, step: StepContext): Promise<void> {
  const node = nodeNamed(ctx, planned.name)
  const documents = kubeadmDocuments(required(ctx.plan, 'the plan'), planned, required(ctx.kubernetesVersion, 'the Kubernetes version'), required(ctx.secrets, 'the join secrets'))
  await node.writeFile(KUBEADM_CONFIG_PATH, renderKubeadmConfig(documents), 0o600)
  // Preflight checks a real host; a node container is known to fail some and pulls nothing.
  const command =
    planned.bootstrap === 'init'
      ? ['kubeadm', 'init', `--config=${KUBEADM_CONFIG_PATH}`, '--skip-phases=preflight', '--skip-token-print', ...(hasControlPlaneJoins(ctx) ? ['--upload-certs'] : []), '--v=1']
      : ['kubeadm', 'join', `--config=${KUBEADM_CONFIG_PATH}`, '--skip-phases=preflight', '--v=1']
  const result = await node.exec(command, {signal: step.signal, allowFailure: true})
  // Kept in the node for `kcluster export logs`; not keeping it must not fail the create.
  await node.writeFile(KUBEADM_LOG_PATH, `$ ${command.join(' ')}\n${result.stdout}${result.stderr}`, 0o644).catch(() => {})
  if (result.exitCode !== 0) throw new CommandFailedError(command, result.exitCode, (result.stdout + result.stderr).trim(), {container: node.containerName, description: `node ${node.name}`})
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
    ctx.secrets ??= newJoinSecrets()
    const init = runKubeadm(ctx, nodesBootstrapping(ctx, 'init')[0]!, step)
    init.catch(() => {})
    // Control planes join one at a time after init (etcd grows a member at a time); workers join ahead only without them.
    const workersAhead = !joinWorkers.skip?.(ctx) && !hasControlPlaneJoins(ctx)
    startWhenApiServes(ctx, init, workersAhead ? {stepId: joinWorkers.id, run: (s) => joinAllWorkers(ctx, s)} : undefined)
    await init
  },
}

export const joinControlPlanes: Step<CreateContext> = {
  id: 'join-control-planes',
  title: 'Join the other control planes',
  skip: (ctx) => (hasControlPlaneJoins(ctx) ? undefined : 'one control plane'),
  run: async (ctx, step) => {
    for (const planned of nodesBootstrapping(ctx, 'join-control-plane')) {
      step.report(planned.name)
      await runKubeadm(ctx, planned, step)
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

/** Every worker at once: each only talks to the API server. */
export async function joinAllWorkers(ctx: CreateContext, step: StepContext): Promise<void> {
  await Promise.all(nodesBootstrapping(ctx, 'join-worker').map((planned) => runKubeadm(ctx, planned, step)))
}

export const bootstrapSteps: Step<CreateContext>[] = [kubeadmInit, joinControlPlanes, joinWorkers]
