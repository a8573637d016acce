// Work a later step needs, started while a slower step still runs. kubeadm
// spends its last seconds on its own phases (configuration upload, tokens)
// after the API server already serves: its addons, the pod network and
// kcluster's addons go in meanwhile. The step that needs the work awaits
// it and so reports its failure; a create that fails first stops it before
// the rollback.
import type {StepContext} from '../progress/step.js'

export interface AheadWork {
  /** Aborts every piece of work started ahead. */
  readonly controller: AbortController
  /** Work by the id of the step that awaits it. */
  readonly work: Map<string, Promise<void>>
}

export function newAheadWork(): AheadWork {
  return {controller: new AbortController(), work: new Map()}
}

/** Starts `run` now for the step `stepId`; its outcome waits for that step (never an unhandled rejection). */
export function startAhead(ahead: AheadWork, stepId: string, run: (signal: AbortSignal) => Promise<void>): Promise<void> {
  // Called at once (a throw becomes the promise's rejection), so an abort right after reaches it.
  const promise = (async () => run(ahead.controller.signal))()
  promise.catch(() => {})
  ahead.work.set(stepId, promise)
  return promise
}

/** Awaits the work started ahead for `stepId`; false when none was. */
export async function finishAhead(ahead: AheadWork, stepId: string, step: StepContext): Promise<boolean> {
  const promise = ahead.work.get(stepId)
  if (!promise) return false
  ahead.work.delete(stepId)
  const stop = () => ahead.controller.abort(step.signal.reason)
  step.signal.addEventListener('abort', stop, {once: true})
  try {
    await promise
  } finally {
    step.signal.removeEventListener('abort', stop)
  }
  return true
}

/**
 * Stops whatever still runs ahead and waits until it did: nothing may act on a cluster being rolled back, and
 * nothing may outlive the create (work whose step did not run would otherwise poll on for its whole timeout).
 */
export async function stopAhead(ahead: AheadWork, why = 'the create failed'): Promise<void> {
  ahead.controller.abort(new Error(why))
  await Promise.allSettled(ahead.work.values())
  ahead.work.clear()
}

/** A StepContext for work started ahead: it has no line of its own to report on. */
export function quietStep(signal: AbortSignal): StepContext {
  return {signal, report: () => {}}
}
