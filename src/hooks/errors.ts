// How a hook fails: it exits non-zero (or cannot start), it outlives its
// timeout, or a file of the hooks folder cannot be run at all. Each names the
// hook and says what to change.
import {formatDuration} from '../config/format-duration.js'
import {KclusterError, shellQuote} from '../errors/index.js'
import type {Hook} from './find-hooks.js'

// The tail is where a failure shows.
const MAX_OUTPUT_CHARS = 64 * 1024

function hookDetails(hook: Hook, output: string): Record<string, unknown> {
  const kept = output.length > MAX_OUTPUT_CHARS ? `[… ${output.length - MAX_OUTPUT_CHARS} earlier characters cut …]\n${output.slice(-MAX_OUTPUT_CHARS)}` : output
  return {event: hook.event, hook: hook.name, source: hook.source, origin: hook.origin, command: hook.argv, commandLine: shellQuote(hook.argv), output: kept}
}

function fixIt(hook: Hook): string {
  return hook.source === 'config'
    ? `Read the hook's output; fix the command of ${hook.origin} in the cluster config, or set continueOnError: true on it to go on despite a failure.`
    : `Read the hook's output; fix or remove ${hook.origin}.`
}

/** `hook post-create:seed` */
export function hookLabel(hook: Hook): string {
  return `hook ${hook.event}:${hook.name}`
}

/** Exited non-zero, was killed by a signal, or could not be started. */
export class HookFailedError extends KclusterError {
  constructor(hook: Hook, how: {exitCode: number | null; signal: string | null} | {startError: string}, output: string) {
    const what =
      'startError' in how ? `could not start (${how.startError})` : how.exitCode !== null ? `failed with exit code ${how.exitCode}` : `was killed by ${how.signal ?? 'a signal'}`
    super('COMMAND_FAILED', `${hookLabel(hook)} ${what}: ${shellQuote(hook.argv)}`, {
      remedy: fixIt(hook),
      details: {...hookDetails(hook, output), commandExitCode: 'exitCode' in how ? how.exitCode : null},
    })
  }
}

/** Ran longer than its timeout; it and every process it started were killed. */
export class HookTimeoutError extends KclusterError {
  constructor(hook: Hook, output: string) {
    super('TIMEOUT', `${hookLabel(hook)} did not finish within its timeout of ${formatDuration(hook.timeoutMs)} and was killed: ${shellQuote(hook.argv)}`, {
      remedy:
        hook.source === 'config'
          ? `Find why it hangs, or give it longer with ${hook.origin}.timeout in the cluster config.`
          : `Find why ${hook.origin} hangs, or give the hooks folder's executables longer with KCLUSTER_HOOK_TIMEOUT (e.g. 10m).`,
      details: {...hookDetails(hook, output), timeoutMs: hook.timeoutMs},
    })
  }
}

/** A file of the hooks folder that cannot run: fixable by the user before anything happens. */
export class HookFileError extends KclusterError {
  constructor(message: string, remedy: string, files: string[]) {
    super('INVALID_INPUT', message, {remedy, details: {files}})
  }
}
