// Progress on the wire: each ProgressEvent wrapped in a CloudEvents 1.0
// envelope, so existing CloudEvents parsers (minikube's users have them) read
// kcluster's stream unchanged. The CLI prints these on stderr with --json; the
// library hands the same objects to an `onEvent` callback.
import {randomUUID} from 'node:crypto'
import type {ProgressEvent, ProgressListener, StepState} from './step.js'

/** Bumped when the data shape changes incompatibly; part of every event's type. */
export const PROGRESS_EVENT_VERSION = 'v1'

/** The schema of `data`, named in every event. */
export const PROGRESS_DATASCHEMA = `kcluster:progress-event/${PROGRESS_EVENT_VERSION}` as const

/** The CloudEvent `type` of each step state, e.g. start → dev.kcluster.step.started. */
export const EVENT_TYPE_BY_STATE = {
  start: 'dev.kcluster.step.started',
  info: 'dev.kcluster.step.progress',
  done: 'dev.kcluster.step.completed',
  skip: 'dev.kcluster.step.skipped',
  fail: 'dev.kcluster.step.failed',
} as const satisfies Record<StepState, string>

export type StepEventType = (typeof EVENT_TYPE_BY_STATE)[StepState]

/** A progress event's `data`: which step, in which state, and what it said. */
export interface StepEventData {
  stepId: string
  step: string
  state: StepState
  message?: string
  elapsedMs?: number
}

/** One progress event as a CloudEvents 1.0 object: what `--json` prints on stderr and `onEvent` receives. */
export interface ProgressCloudEvent {
  specversion: '1.0'
  id: string
  /** `kcluster/<command>`, e.g. `kcluster/create`. */
  source: string
  type: StepEventType
  time: string
  datacontenttype: 'application/json'
  /** The schema's version of `data`. */
  dataschema: typeof PROGRESS_DATASCHEMA
  /** The cluster the event is about, when there is one. */
  subject?: string
  data: StepEventData
}

/** Who emits the events: the operation (`source`) and the cluster (`subject`). */
export interface CloudEventOrigin {
  /** The command (`create`, `build node-image`) or library function that runs the steps. */
  operation: string
  cluster?: string
}

/** Wraps a step event in its CloudEvents envelope. */
export function toCloudEvent(event: ProgressEvent, origin: CloudEventOrigin, now: Date = new Date()): ProgressCloudEvent {
  const {stepId, step, state, message, elapsedMs} = event
  const data: StepEventData = {stepId, step, state}
  if (message !== undefined) data.message = message
  if (elapsedMs !== undefined) data.elapsedMs = elapsedMs
  const cloudEvent: ProgressCloudEvent = {
    specversion: '1.0',
    id: randomUUID(),
    source: `kcluster/${origin.operation.replaceAll(' ', '/')}`,
    type: EVENT_TYPE_BY_STATE[state],
    time: now.toISOString(),
    datacontenttype: 'application/json',
    dataschema: PROGRESS_DATASCHEMA,
    data,
  }
  if (origin.cluster !== undefined) cloudEvent.subject = origin.cluster
  return cloudEvent
}

/** A ProgressListener that passes every event on as a CloudEvent. */
export function cloudEventListener(origin: CloudEventOrigin, onEvent: (event: ProgressCloudEvent) => void): ProgressListener {
  return (event) => onEvent(toCloudEvent(event, origin))
}
