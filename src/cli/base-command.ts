// Every kcluster command shares one output contract:
// - stdout carries the result only: with --json exactly one envelope
//   {"status":"ok"|"error","command":…,"result"|"error":…}, otherwise the
//   command's own human-readable output (e.g. the table of `list`);
// - progress and messages go to stderr;
// - the exit code is the error's documented ExitCode, with or without --json.

import {Command, Errors, Flags, toConfiguredId, type Interfaces} from '@oclif/core'
import {InvalidInputError, KclusterError, toKclusterError, UsageError, type KclusterErrorJSON} from '../errors/index.js'
import {toCloudEvent} from '../progress/cloud-event.js'
import type {StepRunner} from '../progress/step.js'
import {DockerProvider} from '../provider/docker/docker-provider.js'
import type {Provider} from '../provider/types.js'
import {installInterruptHandler, type InterruptHandler} from './interrupt.js'
import {chooseRenderer, createStepRunner, isCI, isNoColor} from './step-runner.js'

export interface SuccessEnvelope<T> {
  status: 'ok'
  command: string
  result: T
}

export interface ErrorEnvelope {
  status: 'error'
  command: string
  error: KclusterErrorJSON
}

export function successEnvelope<T>(command: string, result: T): SuccessEnvelope<T> {
  return {status: 'ok', command, result}
}

export function errorEnvelope(command: string, err: unknown): ErrorEnvelope {
  return {status: 'error', command, error: toKclusterError(err).toJSON()}
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]/g

/** oclif's parser errors (unknown flag, missing argument, bad option) become UsageError, exit 2. */
export function toUsageError(err: unknown, commandLine = 'kcluster <command>'): KclusterError {
  if (err instanceof KclusterError) return err
  const raw = err instanceof Error ? err.message : String(err)
  const message = raw.replace(ANSI, '').replace(/\n?See more help with --help\s*$/, '').trim()
  return new UsageError(message, `Run \`${commandLine} --help\` to see its flags and arguments.`)
}

/** What a person sees on stderr when a command fails. */
export function formatErrorForHumans(err: KclusterError): string {
  // Several problems of one input (a config file) read better one a line.
  const problems = err instanceof InvalidInputError && err.problems.length > 1 ? err.problems : undefined
  const lines = problems ? [`Error: invalid configuration, ${problems.length} problems:`, ...problems.map((p) => `  ${p.field}: ${p.message}`)] : [`Error: ${err.message}`]
  if (err.remedy) lines.push(`Remedy: ${err.remedy}`)
  const output = err.details?.output
  if (typeof output === 'string' && output.trim() !== '') {
    lines.push('Output of the failed command:', ...output.trimEnd().split('\n').map((line) => `  ${line}`))
  }
  return lines.join('\n')
}

/** Resolves once the data is handed to the OS, so exiting right after does not truncate it (pipes are async on macOS). */
function writeFully(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    stream.write(text, () => resolve())
  })
}

type AnyOutput = {[name: string]: any}

export abstract class KclusterCommand<T> extends Command {
  static override enableJsonFlag = true
  // Every command takes these beside its own flags.
  static override baseFlags = {
    quiet: Flags.boolean({char: 'q', summary: 'Show no progress (the result and errors still print)', env: 'KCLUSTER_QUIET'}),
  }

  private interrupt?: InterruptHandler
  /** --quiet: no progress output. */
  protected quiet = false
  private dockerProvider?: Provider
  /** The cluster the command works on (its --name), named as the subject of progress events. */
  protected clusterName?: string
  /** What a second Ctrl-C leaves behind, and how to remove it; commands that create things set it. */
  protected leftoverHint?: string

  abstract override run(): Promise<T>

  /** The id as the user typed it ("build node-image"), for envelopes and hints. */
  protected commandName(): string {
    const id = this.id ?? this.ctor.id ?? ''
    try {
      return toConfiguredId(id, this.config)
    } catch {
      return id
    }
  }

  protected override async parse<F extends AnyOutput, B extends AnyOutput, A extends AnyOutput>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      const parsed = await super.parse(options, argv)
      this.quiet = (parsed.flags as {quiet?: boolean}).quiet === true
      const name = (parsed.flags as {name?: unknown}).name
      if (typeof name === 'string') this.clusterName = name
      return parsed
    } catch (error) {
      throw toUsageError(error, `${this.config?.bin ?? 'kcluster'} ${this.commandName()}`)
    }
  }

  // oclif prints only truthy results; a command returning nothing still owes --json callers an envelope.
  protected override async _run<R>(): Promise<R> {
    const result = await super._run<R>()
    if (!result && this.jsonEnabled()) this.logJson(this.toSuccessJson(result ?? null))
    return result
  }

  protected override toSuccessJson(result: unknown): SuccessEnvelope<unknown> {
    return successEnvelope(this.commandName(), result)
  }

  protected override toErrorJson(err: unknown): ErrorEnvelope {
    return errorEnvelope(this.commandName(), err)
  }

  // Plain JSON: oclif's colourised pretty-printer would put ANSI codes into a captured stdout.
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<never> {
    // this.exit(n) inside run() travels as an ExitError; it is not a failure to report.
    if (err instanceof Errors.ExitError) throw err
    const error = toKclusterError(err)
    if (this.jsonEnabled()) {
      await writeFully(process.stdout, `${JSON.stringify(this.toErrorJson(error), null, 2)}\n`)
    } else {
      await writeFully(process.stderr, `${formatErrorForHumans(error)}\n`)
    }
    process.exitCode = error.exitCode
    // oclif's handler exits with this code and prints nothing more.
    throw new Errors.ExitError(error.exitCode)
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.interrupt?.dispose()
    this.interrupt = undefined
    await super.finally(err)
  }

  /** A hook that failed with continueOnError is a warning a person should see after the progress is gone. */
  protected warnAboutHooks(hooks: readonly {failed: boolean; error?: string}[] | undefined): void {
    if (this.jsonEnabled()) return
    for (const hook of hooks ?? []) if (hook.failed) this.logToStderr(`Warning: ${hook.error} (continueOnError: going on)`)
  }

  /** The composition root: the one place the CLI connects to the container engine. */
  protected provider(): Provider {
    this.dockerProvider ??= new DockerProvider()
    return this.dockerProvider
  }

  /**
   * Aborted on the first SIGINT/SIGTERM so steps stop and cleanup runs; a
   * second signal exits 130 at once, saying that cleanup was skipped.
   */
  protected abortSignal(): AbortSignal {
    this.interrupt ??= installInterruptHandler(process, {
      onFirst: () => {
        if (!this.jsonEnabled()) process.stderr.write('\nInterrupted: cleaning up (press Ctrl-C again to exit immediately)\n')
      },
      onForce: () => {
        const message = `interrupted again: cleanup skipped${this.leftoverHint ? `; ${this.leftoverHint}` : ''}`
        if (this.jsonEnabled()) {
          const event = toCloudEvent({type: 'progress', stepId: 'rollback', step: 'Roll back', state: 'skip', message}, this.eventOrigin())
          process.stderr.write(`${JSON.stringify(event)}\n`)
        } else {
          process.stderr.write(`\n${message[0]!.toUpperCase()}${message.slice(1)}\n`)
        }
      },
    })
    return this.interrupt.signal
  }

  private eventOrigin() {
    return {operation: this.commandName(), cluster: this.clusterName}
  }

  /** The progress display that fits this invocation (--json, terminal, CI); runs use abortSignal() unless given another. */
  protected stepRunner(): StepRunner {
    const kind = chooseRenderer({json: this.jsonEnabled(), stderrIsTTY: process.stderr.isTTY === true, ci: isCI(process.env), quiet: this.quiet, noColor: isNoColor(process.env)})
    const runner = createStepRunner(kind, process.stderr, this.eventOrigin())
    return {
      run: (steps, ctx, signal) => runner.run(steps, ctx, signal ?? this.abortSignal()),
    }
  }
}
