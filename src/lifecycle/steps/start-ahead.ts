// What goes in while kubeadm init finishes: once the API server answers
// /readyz, the pod network's objects and the addons are applied; the steps
// that own them await the work. A kubeadm that ends first (or an API server
// the host cannot reach) simply starts them then.
import {setTimeout as sleep} from 'node:timers/promises'
import {quietStep, startAhead} from '../ahead.js'
import type {StepContext} from '../../progress/step.js'
import {apiGet} from '../api-client.js'
import type {CreateContext} from '../create-context.js'
import {required} from '../create-context.js'
import {applyAddonsAhead, enableAddonsStep} from './enable-addons.js'
import {applyNetworkObjects, installPodNetwork} from './install-pod-network.js'

const POLL_MS = 200

/**
 * Resolves once `answered` says yes to what the API server's published address answers at `path` without
 * credentials, or once kubeadm init succeeded; rejects when it failed.
 */
async function untilApiAnswers(ctx: CreateContext, path: string, answered: (statusCode: number, body: string) => boolean, init: Promise<boolean>, signal: AbortSignal): Promise<void> {
  const server = required(ctx.plan, 'the plan').apiServer.server
  let initOutcome: boolean | undefined
  void init.then((ok) => (initOutcome = ok))
  for (;;) {
    signal.throwIfAborted()
    if (initOutcome === false) throw new Error('kubeadm init failed')
    if (initOutcome === true) return
    const yes = await apiGet(server, path, {timeoutMs: 1000, signal}).then(
      (res) => answered(res.statusCode, res.body),
      () => false,
    )
    if (yes) return
    await Promise.race([sleep(POLL_MS, undefined, {signal}), init])
  }
}

/** kubeadm join finds the cluster through kube-public/cluster-info, once the controller manager signed it for the token. */
function signedForToken(tokenId: string): (statusCode: number, body: string) => boolean {
  return (statusCode, body) => {
    if (statusCode !== 200) return false
    const data = (JSON.parse(body) as {data?: Record<string, string>}).data ?? {}
    return `jws-kubeconfig-${tokenId}` in data
  }
}

/**
 * Starts, for the steps after kubeadm init that will run, their work that only needs a serving API server;
 * `joinWorkers`, when given, once the cluster can be joined.
 */
export function startWhenApiServes(ctx: CreateContext, init: Promise<void>, joinWorkers?: {stepId: string; run: (step: StepContext) => Promise<void>}): void {
  const {signal} = ctx.ahead.controller
  const initOk = init.then(
    () => true,
    () => false,
  )
  const serving = untilApiAnswers(ctx, '/readyz', (status) => status === 200, initOk, signal)
  serving.catch(() => {})
  if (joinWorkers) {
    const tokenId = required(ctx.secrets, 'the join secrets').token.split('.')[0]!
    startAhead(ctx.ahead, joinWorkers.stepId, async (aheadSignal) => {
      await untilApiAnswers(ctx, '/api/v1/namespaces/kube-public/configmaps/cluster-info', signedForToken(tokenId), initOk, aheadSignal)
      await joinWorkers.run(quietStep(aheadSignal))
    })
  }
  if (!installPodNetwork.skip?.(ctx)) {
    startAhead(ctx.ahead, installPodNetwork.id, async (signal) => {
      await serving
      await applyNetworkObjects(ctx, signal)
    })
  }
  if (!enableAddonsStep.skip?.(ctx)) {
    startAhead(ctx.ahead, enableAddonsStep.id, async (signal) => {
      await serving
      await applyAddonsAhead(ctx, signal)
    })
  }
}
