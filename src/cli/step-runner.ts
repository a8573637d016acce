// How the steps of a long operation are shown. Progress always goes to
// stderr so stdout stays reserved for a command's result (or its --json
// envelope).

import {DefaultRenderer, Listr, ListrLogger, ProcessOutput, PRESET_TIMER} from 'listr2'
import {formatDuration} from '../config/format-duration.js'
import {cloudEventListener, type CloudEventOrigin} from '../progress/cloud-event.js'
import {SequentialStepRunner, type ProgressEvent, type Step, type StepRunner} from '../progress/step.js'

export type RendererKind = 'listr-default' | 'plain' | 'json-events' | 'silent'

export interface RendererEnvironment {
  json: boolean
  stderrIsTTY: boolean
  ci: boolean
  /** --quiet: no progress at all. */
  quiet?: boolean
  /** NO_COLOR is set (https://no-color.org): no colours, so no live task list either. */
  noColor?: boolean
}

/** quiet → nothing; json → machine-readable events; CI, a non-terminal or NO_COLOR → plain lines; otherwise live task list. */
export function chooseRenderer({json, stderrIsTTY, ci, quiet = false, noColor = false}: RendererEnvironment): RendererKind {
  if (quiet) return 'silent'
  if (json) return 'json-events'
  if (ci || !stderrIsTTY || noColor) return 'plain'
  return 'listr-default'
}

/** NO_COLOR counts when set to anything but the empty string. */
export function isNoColor(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== ''
}

/** CI=true (GitHub Actions, GitLab, …) counts; CI=false or CI=0 does not. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase()
  return value !== undefined && value !== '' && value !== 'false' && value !== '0'
}

export function createStepRunner(kind: RendererKind, stream: NodeJS.WritableStream = process.stderr, origin: CloudEventOrigin = {operation: 'unknown'}): StepRunner {
  switch (kind) {
    case 'json-events':
      return new SequentialStepRunner(cloudEventListener(origin, (event) => stream.write(`${JSON.stringify(event)}\n`)))
    case 'plain':
      return new SequentialStepRunner((event) => stream.write(`${plainLine(event)}\n`))
    case 'listr-default':
      return new ListrStepRunner(stream)
    case 'silent':
      return new SequentialStepRunner()
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007]*\u0007/g

function elapsed(ms: number | undefined): string {
  if (ms === undefined) return ''
  return ms < 60_000 ? ` (${(ms / 1000).toFixed(1)}s)` : ` (${formatDuration(Math.round(ms / 1000) * 1000)})`
}

/** One line per event, no colours or cursor tricks, for logs and CI. */
export function plainLine(event: ProgressEvent): string {
  const message = event.message?.replace(ANSI, '').replace(/\s*\n\s*/g, ' ').trim()
  switch (event.state) {
    case 'start':
      return `[kcluster] • ${event.step}`
    case 'info':
      return `[kcluster]   ${event.step}: ${message ?? ''}`
    case 'done':
      return `[kcluster] ✓ ${event.step}${elapsed(event.elapsedMs)}`
    case 'skip':
      return `[kcluster] - ${event.step} (skipped${message ? `: ${message}` : ''})`
    case 'fail':
      return `[kcluster] ✗ ${event.step}${elapsed(event.elapsedMs)}${message ? `: ${message}` : ''}`
  }
}

// listr2 only uses its live renderer when *stdout* is a terminal; ours draws
// on stderr, so whether stdout is piped (`kcluster create | tee`) is irrelevant.
class StderrRenderer extends DefaultRenderer {
  static override nonTTY = true
}

/** Live, redrawing task list for people at a terminal. */
export class ListrStepRunner implements StepRunner {
  constructor(private readonly stream: NodeJS.WritableStream = process.stderr) {}

  async run<C>(steps: Step<C>[], ctx: C, signal: AbortSignal = new AbortController().signal): Promise<void> {
    signal.throwIfAborted()
    const out = this.stream as NodeJS.WriteStream
    const listr = new Listr(
      steps.map((step) => ({
        title: step.title,
        task: async (_: unknown, task: {output: string | null; skip(message?: string): void}) => {
          signal.throwIfAborted()
          const reason = step.skip?.(ctx)
          if (reason !== undefined) {
            // listr2 shows the skip message in place of the title; keep both visible.
            task.skip(`${step.title} (skipped: ${reason})`)
            return
          }
          await step.run(ctx, {signal, report: (message) => (task.output = message)})
        },
      })),
      {
        renderer: StderrRenderer,
        rendererOptions: {
          logger: new ListrLogger({useIcons: true, processOutput: new ProcessOutput(out, out)}),
          timer: PRESET_TIMER,
        },
        exitOnError: true,
        // listr2 would answer SIGINT with process.exit(127); the command owns signals.
        registerSignalListeners: false,
      },
    )
    await listr.run()
  }
}
