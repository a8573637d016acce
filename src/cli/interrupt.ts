import {ExitCode, InterruptedError} from '../errors/index.js'

export interface SignalSource {
  on(event: NodeJS.Signals, listener: () => void): unknown
  off(event: NodeJS.Signals, listener: () => void): unknown
}

export interface InterruptHandler {
  signal: AbortSignal
  dispose(): void
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

/**
 * First SIGINT/SIGTERM aborts the signal (reason: InterruptedError) so steps
 * stop and cleanup can run; a second one means "now" and exits with 130.
 */
export function installInterruptHandler(
  source: SignalSource = process,
  options: {onFirst?: () => void; onForce?: () => void; forceExit?: (code: number) => void} = {},
): InterruptHandler {
  const controller = new AbortController()
  const forceExit = options.forceExit ?? ((code: number) => process.exit(code))
  const listener = () => {
    if (controller.signal.aborted) {
      options.onForce?.()
      forceExit(ExitCode.INTERRUPTED)
      return
    }
    options.onFirst?.()
    controller.abort(new InterruptedError())
  }
  for (const name of SIGNALS) source.on(name, listener)
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SIGNALS) source.off(name, listener)
    },
  }
}
