// Named waits with a deadline: a timeout says what was awaited, and polling
// is short so no fixed sleep slows a fast machine down.
import {setTimeout as sleep} from 'node:timers/promises'
import {TimeoutError} from '../errors/index.js'

export interface WaitOptions {
  what: string
  timeoutMs: number
  intervalMs?: number
  signal?: AbortSignal
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function waitFor<T>(options: WaitOptions, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  const interval = options.intervalMs ?? 250
  for (;;) {
    options.signal?.throwIfAborted()
    const value = await check().catch(() => undefined)
    if (value !== undefined && value !== false) return value
    if (Date.now() >= deadline) throw new TimeoutError(options.what, options.timeoutMs)
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), undefined, {signal: options.signal})
  }
}
