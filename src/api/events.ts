// The onEvent callback as an async iterable, for callers who prefer
// `for await`: events queue until read, and the loop ends when the call does.
import type {ProgressCloudEvent} from '../progress/cloud-event.js'

/** A running call: its events as they come, and its result. */
export interface ProgressRun<R> {
  /** Ends when the call settles; throws the call's error after the last event if it failed. */
  events: AsyncIterableIterator<ProgressCloudEvent>
  /** The call's own promise. */
  result: Promise<R>
}

/** Starts `call` with an onEvent that feeds `events`: `progressEvents((onEvent) => createCluster({name, onEvent}))`. */
export function progressEvents<R>(call: (onEvent: (event: ProgressCloudEvent) => void) => Promise<R>): ProgressRun<R> {
  const queue: ProgressCloudEvent[] = []
  let wake: (() => void) | undefined
  let settled: {error?: unknown; failed: boolean} | undefined
  const result = call((event) => {
    queue.push(event)
    wake?.()
  })
  result.then(
    () => (settled = {failed: false}),
    (error: unknown) => (settled = {failed: true, error}),
  ).finally(() => wake?.())

  async function* read(): AsyncGenerator<ProgressCloudEvent> {
    for (;;) {
      const event = queue.shift()
      if (event) {
        yield event
        continue
      }
      if (settled) {
        if (settled.failed) throw settled.error
        return
      }
      await new Promise<void>((resolve) => (wake = resolve))
      wake = undefined
    }
  }
  return {events: read(), result}
}
