// Named waits with a deadline: a timeout says what was awaited and the last
// error seen on the way; a failure that waiting cannot cure (a node container
// that stopped, an interrupt) ends the wait at once. Polling is short so no
// fixed sleep slows a fast machine down.
import {setTimeout as sleep} from 'node:timers/promises'
import {InterruptedError, KclusterError, TimeoutError} from '../errors/index.js'

export interface WaitOptions {
  what: string
  timeoutMs: number
  /** The sleep between tries; a function is asked after each try (a try that cost more may be spaced further). */
  intervalMs?: number | (() => number)
  signal?: AbortSignal
  remedy?: string
}

/** Errors that more waiting cannot cure. */
export function isFatal(error: unknown): boolean {
  return error instanceof InterruptedError || (error instanceof KclusterError && (error as {fatal?: boolean}).fatal === true)
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function waitFor<T>(options: WaitOptions, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  const {intervalMs = 250} = options
  const interval = typeof intervalMs === 'function' ? intervalMs : () => intervalMs
  let lastError: string | undefined
  for (;;) {
    options.signal?.throwIfAborted()
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      if (isFatal(error)) throw error
      options.signal?.throwIfAborted()
      lastError = String((error as Error)?.message ?? error).split('\n')[0]
    }
    if (Date.now() >= deadline) throw new TimeoutError(options.what, options.timeoutMs, {remedy: options.remedy, lastError})
    try {
      await sleep(Math.min(interval(), Math.max(0, deadline - Date.now())), undefined, {signal: options.signal})
    } catch (error) {
      // The timer rejects with a generic AbortError; the signal's own reason says why.
      options.signal?.throwIfAborted()
      throw error
    }
  }
}
