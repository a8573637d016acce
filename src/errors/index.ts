// Every failure kcluster reports is a KclusterError: a stable machine code,
// a documented process exit code and, where we know one, a remedy the user
// can act on. Scripts rely on the exit codes, so they never change meaning.

import {formatDuration} from '../config/format-duration.js'

/**
 * Process exit codes:
 * - 0 OK
 * - 1 INTERNAL: a bug in kcluster
 * - 2 USAGE: unknown flag, missing argument, wrong invocation
 * - 3 INVALID_INPUT: a value was given but is not acceptable (name, duration, files)
 * - 4 DOCKER_UNREACHABLE: the Docker engine does not answer
 * - 5 CLUSTER_MISSING: the named cluster does not exist
 * - 6 CLUSTER_EXISTS: the named cluster already exists
 * - 7 TIMEOUT: something did not become ready in time
 * - 8 COMMAND_FAILED: a command on the host or in a node exited non-zero
 * - 9 DOCKER_FAILED: the Docker engine refused or failed an operation, or a node container stopped
 * - 14 HOST_NOT_READY: the machine cannot run the cluster (inotify limits, disk); `kcluster doctor` found a failure
 * - 130 INTERRUPTED: Ctrl-C / SIGTERM
 */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  INVALID_INPUT: 3,
  DOCKER_UNREACHABLE: 4,
  CLUSTER_MISSING: 5,
  CLUSTER_EXISTS: 6,
  TIMEOUT: 7,
  COMMAND_FAILED: 8,
  DOCKER_FAILED: 9,
  // 10–13 are the health codes of `kcluster status`.
  HOST_NOT_READY: 14,
  INTERRUPTED: 130,
} as const

/** A KclusterError's stable machine code, one per exit code. */
export type ErrorCode = Exclude<keyof typeof ExitCode, 'OK'>

/** A KclusterError as the `error` of a --json envelope. */
export interface KclusterErrorJSON {
  name: string
  code: ErrorCode
  message: string
  exitCode: number
  remedy?: string
  details?: Record<string, unknown>
}

/** What a KclusterError may carry beside code and message. */
export interface KclusterErrorOptions {
  remedy?: string
  details?: Record<string, unknown>
  cause?: unknown
}

/** Every failure kcluster reports: a stable `code`, the CLI's `exitCode` (ExitCode) and, where known, a `remedy`. */
export class KclusterError extends Error {
  readonly code: ErrorCode
  readonly exitCode: number
  readonly remedy?: string
  details?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: KclusterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.code = code
    this.exitCode = ExitCode[code]
    if (options.remedy !== undefined) this.remedy = options.remedy
    if (options.details !== undefined) this.details = options.details
  }

  /** Adds what was learnt after the failure (e.g. how cleanup went). */
  addDetail(key: string, value: unknown): void {
    this.details = {...this.details, [key]: value}
  }

  toJSON(): KclusterErrorJSON {
    const json: KclusterErrorJSON = {name: this.name, code: this.code, message: this.message, exitCode: this.exitCode}
    if (this.remedy !== undefined) json.remedy = this.remedy
    if (this.details !== undefined) json.details = this.details
    return json
  }
}

/** USAGE (exit 2): a wrong invocation, e.g. an unknown flag or a missing image. */
export class UsageError extends KclusterError {
  constructor(message: string, remedy = 'Run the command with --help to see its usage.') {
    super('USAGE', message, {remedy})
  }
}

/** One bad input value: the field path and what is wrong with it. */
export interface InputProblem {
  field: string
  message: string
}

/** INVALID_INPUT (exit 3): values that are not acceptable, every problem listed in `problems`. */
export class InvalidInputError extends KclusterError {
  readonly problems: InputProblem[]

  constructor(problems: InputProblem[]) {
    const list = problems.map((p) => `${p.field}: ${p.message}`).join('; ')
    super('INVALID_INPUT', `invalid configuration: ${list}`, {
      remedy: problems.length === 1 ? `Correct ${problems[0]!.field} and run the command again.` : 'Correct each value listed in the message and run the command again.',
      details: {problems},
    })
    this.problems = problems
  }
}

/** DOCKER_UNREACHABLE (exit 4): the Docker engine does not answer. */
export class DockerUnreachableError extends KclusterError {
  constructor(cause: string) {
    super('DOCKER_UNREACHABLE', `cannot reach the Docker engine: ${cause}`, {
      remedy:
        'Start the Docker daemon, dockerd (`sudo systemctl start docker`, or launch Docker Desktop), and check that `docker info` works for your user; ' +
        'for a remote or rootless engine set DOCKER_HOST (e.g. unix:///run/user/1000/docker.sock).',
      details: {cause, dockerHost: process.env.DOCKER_HOST ?? null},
    })
  }
}

/** CLUSTER_MISSING (exit 5): no cluster has that name. */
export class ClusterMissingError extends KclusterError {
  constructor(name: string) {
    super('CLUSTER_MISSING', `cluster "${name}" does not exist`, {
      remedy: `Run \`kcluster list\` to see existing clusters, or create it with \`kcluster create --name ${name}\`.`,
      details: {name},
    })
  }
}

/** CLUSTER_EXISTS (exit 6): a cluster of that name exists, or is being created. */
export class ClusterExistsError extends KclusterError {
  constructor(name: string) {
    super('CLUSTER_EXISTS', `cluster "${name}" already exists`, {
      remedy: `Delete it with \`kcluster delete --name ${name}\`, or choose another name with --name.`,
      details: {name},
    })
  }
}

/** TIMEOUT (exit 7): something did not become ready in time; names what and the last error seen. */
export class TimeoutError extends KclusterError {
  constructor(what: string, timeoutMs: number, options: {remedy?: string; lastError?: string} = {}) {
    const last = options.lastError ? `; last error: ${options.lastError}` : ''
    super('TIMEOUT', `timed out after ${formatDuration(timeoutMs)} waiting for ${what}${last}`, {
      remedy: options.remedy ?? 'Retry with a longer --wait, or inspect the node with `docker logs` to see what is slow.',
      details: {what, timeoutMs, ...(options.lastError ? {lastError: options.lastError} : {})},
    })
  }
}

// Command output can be megabytes (image builds); the tail is where the failure is.
const MAX_OUTPUT_CHARS = 64 * 1024

/** Where a failed command ran: this machine, or a container (whose name makes the command pasteable). */
export type CommandPlace = {machine: 'host'} | {container: string; description?: string}

/** COMMAND_FAILED (exit 8): a command on the host or in a node exited non-zero; carries the pasteable command and its output. */
export class CommandFailedError extends KclusterError {
  constructor(command: string[], exitCode: number, output: string, place: CommandPlace = {machine: 'host'}) {
    const kept = output.length > MAX_OUTPUT_CHARS ? `[… ${output.length - MAX_OUTPUT_CHARS} earlier characters cut …]\n${output.slice(-MAX_OUTPUT_CHARS)}` : output
    // A command that ran in a container is reproduced with `docker exec` in front.
    const pasteable = 'container' in place ? ['docker', 'exec', place.container, ...command] : command
    const quoted = shellQuote(pasteable)
    const where = 'container' in place ? (place.description ?? `container ${place.container}`) : 'this machine'
    super('COMMAND_FAILED', `command failed with exit code ${exitCode}${'container' in place ? ` in ${where}` : ''}: ${quoted}`, {
      remedy: 'Read the command output below; the command above can be pasted into a shell to reproduce it.',
      details: {command, commandLine: quoted, commandExitCode: exitCode, where, output: kept},
    })
  }
}

/** The Docker engine answered, but refused or failed what we asked: neither the user's input nor a bug of ours. */
export class DockerOperationError extends KclusterError {
  constructor(action: string, cause: string, options: {remedy?: string; statusCode?: number} = {}) {
    super('DOCKER_FAILED', `Docker could not ${action}: ${cause}`, {
      remedy: options.remedy ?? 'Check the Docker engine (`docker info`, its log) and run the command again.',
      details: {action, cause, ...(options.statusCode === undefined ? {} : {statusCode: options.statusCode})},
    })
  }
}

/** A node container stopped while we needed it: waiting longer cannot help, so waits fail at once. */
export class NodeNotRunningError extends KclusterError {
  readonly fatal = true

  constructor(container: string, state: {status: string; exitCode?: number; oomKilled?: boolean; error?: string}) {
    const how = [
      state.status,
      state.exitCode !== undefined ? `exit code ${state.exitCode}` : undefined,
      state.oomKilled ? 'killed for lack of memory' : undefined,
      state.error || undefined,
    ].filter(Boolean)
    super('DOCKER_FAILED', `node container ${container} is not running (${how.join(', ')})`, {
      remedy: `See why with \`docker logs ${container}\`; create the cluster again with --retain to keep the node for inspection.`,
      details: {container, ...state},
    })
  }
}

/** The machine lacks what the cluster needs (inotify limits, disk space): found before anything was created. */
export class HostNotReadyError extends KclusterError {
  constructor(problems: {id: string; summary: string; fix?: string}[]) {
    super('HOST_NOT_READY', `this machine cannot run the cluster: ${problems.map((p) => p.summary).join('; ')}`, {
      remedy: [...problems.flatMap((p) => (p.fix ? [p.fix] : [])), '`kcluster doctor` checks the machine.'].join('\n'),
      details: {checks: problems},
    })
  }
}

/** INTERRUPTED (exit 130): Ctrl-C, SIGTERM, or an aborted AbortSignal of a library call. */
export class InterruptedError extends KclusterError {
  constructor() {
    super('INTERRUPTED', 'interrupted')
  }
}

/** INTERNAL (exit 1): a bug in kcluster. */
export class InternalError extends KclusterError {
  constructor(message: string, cause?: unknown) {
    super('INTERNAL', message, {
      remedy: 'This is a bug in kcluster. Please report it with the command you ran and this output.',
      details: cause === undefined ? undefined : {cause: describeCause(cause)},
      cause,
    })
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`
  return String(cause)
}

function isAbortLike(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const e = err as {name?: unknown; isCanceled?: unknown; code?: unknown}
  // execa sets isCanceled when its cancelSignal fired; Node uses ABORT_ERR / AbortError.
  return e.name === 'AbortError' || e.code === 'ABORT_ERR' || e.isCanceled === true
}

/** Normalises anything thrown into a KclusterError so the CLI can always report code, exit code and remedy. */
export function toKclusterError(err: unknown): KclusterError {
  if (err instanceof KclusterError) return err
  // An abort whose reason was our own InterruptedError arrives wrapped by execa/undici.
  const cause = typeof err === 'object' && err !== null ? (err as {cause?: unknown}).cause : undefined
  if (cause instanceof InterruptedError) return cause
  if (isAbortLike(err)) return new InterruptedError()
  if (err instanceof Error) return new InternalError(err.message || err.name, err)
  return new InternalError(`unexpected failure: ${String(err)}`, err)
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/

/** Quotes argv for a POSIX shell so a failed command can be pasted and rerun. */
export function shellQuote(args: string[]): string {
  return args.map((arg) => (arg === '' ? "''" : SAFE_WORD.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ')
}

/** A host port that cannot be used as asked: something holds it, it is forwarded already, or a node container published it at create. */
export class HostPortError extends KclusterError {
  constructor(message: string, remedy: string, details: Record<string, unknown> = {}) {
    super('INVALID_INPUT', message, {remedy, details})
  }
}
