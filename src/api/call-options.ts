// What every library call takes beside its own inputs: the engine, a way to
// cancel, and where progress goes. Each is optional, so a bare call works
// against the local Docker engine, as the CLI does.
import {InterruptedError, toKclusterError} from '../errors/index.js'
import {cloudEventListener, type CloudEventOrigin, type ProgressCloudEvent} from '../progress/cloud-event.js'
import {SequentialStepRunner, type StepRunner} from '../progress/step.js'
import {DockerProvider} from '../provider/docker/docker-provider.js'
import type {Provider} from '../provider/types.js'

/** Options of every call: which container engine to use. */
export interface EngineOptions {
  /** The container engine; default: Docker at DOCKER_HOST, else the local socket. Tests pass a fake. */
  provider?: Provider
}

/** Options of a call that can be cancelled. */
export interface CancelOptions extends EngineOptions {
  /** Aborting it cancels the call, which rejects with InterruptedError (exit code 130); a create first removes what it made. */
  signal?: AbortSignal
}

/** Options of a call that runs steps and reports them. */
export interface ProgressOptions extends CancelOptions {
  /** Called with each progress event: the CloudEvents `kcluster <command> --json` prints on stderr. */
  onEvent?: (event: ProgressCloudEvent) => void
}

/** Options of a call that reports progress as plain lines (the CLI prints them without --json). */
export interface MessageOptions {
  /** Called with each progress line, e.g. "importing into dev-control-plane". */
  onProgress?: (message: string) => void
}

/**
 * Runs one library call: the default engine when none is given, the caller's
 * abort turned into the same InterruptedError Ctrl-C gives the CLI (so the
 * create rollback runs alike), and every failure a KclusterError.
 */
export async function libraryCall<R>(options: CancelOptions, work: (provider: Provider, signal: AbortSignal) => Promise<R>): Promise<R> {
  const interrupt = new AbortController()
  const onAbort = () => interrupt.abort(new InterruptedError())
  if (options.signal?.aborted) onAbort()
  else options.signal?.addEventListener('abort', onAbort, {once: true})
  try {
    interrupt.signal.throwIfAborted()
    return await work(options.provider ?? new DockerProvider(), interrupt.signal)
  } catch (error) {
    throw toKclusterError(error)
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

/** Steps run in order; their events reach onEvent as the CLI's --json CloudEvents. */
export function progressRunner(onEvent: ProgressOptions['onEvent'], origin: CloudEventOrigin): StepRunner {
  return new SequentialStepRunner(onEvent ? cloudEventListener(origin, onEvent) : undefined)
}
