// A long operation is a plain list of named steps. The lifecycle layer only
// describes them; whoever calls it (the CLI with listr2, a test, an IDE
// plugin) decides how progress is shown by passing a StepRunner.

export interface StepContext {
  /** Short progress line under the current step ("pulling layer 3/7"). */
  report(message: string): void
  /** Aborted on Ctrl-C or when a sibling failed; long waits must honour it. */
  signal: AbortSignal
}

export interface Step<C> {
  title: string
  /** Return a reason to skip the step, or undefined to run it. */
  skip?(ctx: C): string | undefined
  run(ctx: C, step: StepContext): Promise<void>
}

export interface StepRunner {
  run<C>(steps: Step<C>[], ctx: C, signal?: AbortSignal): Promise<void>
}

export type StepState = 'start' | 'done' | 'skip' | 'fail' | 'info'

export interface ProgressEvent {
  type: 'progress'
  step: string
  state: StepState
  message?: string
  elapsedMs?: number
}

/** Runs steps in order, telling a listener about each; used by tests and as the library default. */
export class SequentialStepRunner implements StepRunner {
  constructor(private readonly listener: (event: ProgressEvent) => void = () => {}) {}

  async run<C>(steps: Step<C>[], ctx: C, signal: AbortSignal = new AbortController().signal): Promise<void> {
    for (const step of steps) {
      signal.throwIfAborted()
      const skipReason = step.skip?.(ctx)
      if (skipReason !== undefined) {
        this.listener({type: 'progress', step: step.title, state: 'skip', message: skipReason})
        continue
      }
      const started = Date.now()
      this.listener({type: 'progress', step: step.title, state: 'start'})
      try {
        await step.run(ctx, {
          signal,
          report: (message) => this.listener({type: 'progress', step: step.title, state: 'info', message}),
        })
      } catch (error) {
        this.listener({type: 'progress', step: step.title, state: 'fail', elapsedMs: Date.now() - started, message: String((error as Error)?.message ?? error)})
        throw error
      }
      this.listener({type: 'progress', step: step.title, state: 'done', elapsedMs: Date.now() - started})
    }
  }
}
