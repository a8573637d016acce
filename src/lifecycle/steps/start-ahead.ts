// What goes in while kubeadm init finishes its own phases (configuration
// upload, tokens): once the API server answers /readyz,
// kubeadm's addons (CoreDNS, kube-proxy), the pod network and kcluster's
// addons; once the cluster can be joined, the workers. The steps that own the
// work await it. A kubeadm that ends first (or an API server the host cannot
// reach) simply starts them then.
import {setTimeout as sleep} from 'node:timers/promises'
import type {StepContext} from '../../progress/step.js'
import {quietStep, startAhead} from '../ahead.js'
import {apiGet} from '../api-client.js'
import type {CreateContext} from '../create-context.js'
import {required} from '../create-context.js'
import {applyAddonsAhead, enableAddonsStep} from './enable-addons.js'
import {installPodNetwork, installPodNetworkAhead} from './install-pod-network.js'

const POLL_MS = 200

/** The work the kubeadm-init step awaits at its end: kubeadm's addon phase, run apart from init. */
export const KUBEADM_ADDONS = 'kubeadm-init'

/** After kubeadm init succeeded, how long to keep asking for what init alone does not bring about. */
const AFTER_INIT_MS = 60_000

/**
 * Resolves once `answered` says yes to what the API server's published address answers at `path` without
 * credentials; rejects when kubeadm init failed. Once init succeeded: at once when `init` implies the answer,
 * or when the host never got an answer at all (an API server it cannot reach); otherwise it keeps asking a
 * while, then leaves the waiting to kubeadm.
 */
export async function untilApiAnswers(
  server: string,
  path: string,
  answered: (statusCode: number, body: string) => boolean,
  init: Promise<boolean>,
  signal: AbortSignal,
  initImplies: boolean,
): Promise<void> {
  let initOutcome: boolean | undefined
  let initEndedAt = 0
  let anyAnswer = false
  void init.then((ok) => {
    initOutcome = ok
    initEndedAt = Date.now()
  })
  for (;;) {
    signal.throwIfAborted()
    if (initOutcome === false) throw new Error('kubeadm init failed')
    if (initOutcome === true && (initImplies || !anyAnswer || Date.now() - initEndedAt > AFTER_INIT_MS)) return
    const yes = await apiGet(server, path, {timeoutMs: 1000, signal}).then(
      (res) => {
        anyAnswer = true
        return answered(res.statusCode, res.body)
      },
      () => false,
    )
    if (yes) return
    // A poll pause that init's end cuts short, while init still runs.
    const pause = sleep(POLL_MS, undefined, {signal})
    await (initOutcome === undefined ? Promise.race([pause, init]) : pause)
  }
}

/** kubeadm join finds the cluster through kube-public/cluster-info, once the controller manager signed it for the token. */
export function signedForToken(tokenId: string): (statusCode: number, body: string) => boolean {
  return (statusCode, body) => {
    if (statusCode !== 200) return false
    const data = (JSON.parse(body) as {data?: Record<string, string>}).data ?? {}
    return `jws-kubeconfig-${tokenId}` in data
  }
}

export interface InitSideWork {
  /** kubeadm's addon phase. */
  addons: (signal: AbortSignal) => Promise<void>
  /** The workers' joins, when they may join before init ends. */
  joinWorkers?: {stepId: string; run: (step: StepContext) => Promise<void>}
}

/** Starts the work of the steps after kubeadm init (those that will run) that only needs a serving API server. */
export function startWhenApiServes(ctx: CreateContext, init: Promise<void>, work: InitSideWork): void {
  const {signal} = ctx.ahead.controller
  const initOk = init.then(
    () => true,
    () => false,
  )
  // kubeadm init ends only once the API server serves.
  const server = required(ctx.plan, 'the plan').apiServer.server
  const serving = untilApiAnswers(server, '/readyz', (status) => status === 200, initOk, signal, true)
  serving.catch(() => {})
  const network = !installPodNetwork.skip?.(ctx)
  startAhead(ctx.ahead, KUBEADM_ADDONS, async (aheadSignal) => {
    await serving
    await work.addons(aheadSignal)
  })
  if (network) {
    startAhead(ctx.ahead, installPodNetwork.id, async (aheadSignal) => {
      await serving
      await installPodNetworkAhead(ctx, aheadSignal)
    })
  }
  if (!enableAddonsStep.skip?.(ctx)) {
    startAhead(ctx.ahead, enableAddonsStep.id, async (aheadSignal) => {
      await serving
      await applyAddonsAhead(ctx, aheadSignal)
    })
  }
  if (work.joinWorkers) {
    const {stepId, run} = work.joinWorkers
    const tokenId = required(ctx.secrets, 'the join secrets').token.split('.')[0]!
    startAhead(ctx.ahead, stepId, async (aheadSignal) => {
      // The controller manager signs it on its own time, often after init ended: a join that finds no signature
      // waits 5 s before it asks again (kubeadm's discovery retry interval).
      await untilApiAnswers(server, '/api/v1/namespaces/kube-public/configmaps/cluster-info', signedForToken(tokenId), initOk, aheadSignal, false)
      await run(quietStep(aheadSignal))
    })
  }
}
