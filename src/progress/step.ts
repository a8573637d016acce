// A long operation is a plain list of named steps. The library only describes
// them; whoever calls it (the CLI with listr2, a test, an IDE plugin) decides
// how progress is shown by passing a StepRunner.

export interface StepContext {
  /** Short progress line under the current step ("pulling layer 3/7"). */
  report(message: string): void
  /** Aborted on Ctrl-C or when a sibling failed; long waits must honour it. */
  signal: AbortSignal
}

/** One named unit of a long operation (a create is a list of them). */
export interface Step<C> {
  /** Stable machine name ("kubeadm-init"): events carry it, programs match on it; titles may change. */
  id: string
  title: string
  /** Return a reason to skip the step, or undefined to run it. */
  skip?(ctx: C): string | undefined
  run(ctx: C, step: StepContext): Promise<void>
}

/** Runs steps in order and shows their progress in its own way (listr2, plain lines, events). */
export interface StepRunner {
  run<C>(steps: Step<C>[], ctx: C, signal?: AbortSignal): Promise<void>
}

export type StepState = 'start' | 'done' | 'skip' | 'fail' | 'info'

/** A step started, reported, finished, was skipped or failed. */
export interface ProgressEvent {
  type: 'progress'
  stepId: string
  step: string
  state: StepState
  message?: string
  elapsedMs?: number
}

/** Receives every ProgressEvent of a run. */
export type ProgressListener = (event: ProgressEvent) => void

/** Runs steps in order, telling a listener about each; used by tests and as the library default. */
export class SequentialStepRunner implements StepRunner {
  constructor(private readonly listener: ProgressListener = () => {}) {}

  async run<C>(steps: Step<C>[], ctx: C, signal: AbortSignal = new AbortController().signal): Promise<void> {
    for (const step of steps) {
      signal.throwIfAborted()
      const event = (state: StepState, extra: {message?: string; elapsedMs?: number} = {}) =>
        this.listener({type: 'progress', stepId: step.id, step: step.title, state, ...extra})
      const skipReason = step.skip?.(ctx)
      if (skipReason !== undefined) {
        event('skip', {message: skipReason})
        continue
      }
      const started = Date.now()
      event('start')
      try {
        await step.run(ctx, {signal, report: (message) => event('info', {message})})
      } catch (error) {
        event('fail', {elapsedMs: Date.now() - started, message: String((error as Error)?.message ?? error)})
        throw error
      }
      event('done', {elapsedMs: Date.now() - started})
    }
  }
}
