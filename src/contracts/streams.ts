// The shapes around every result: the --json envelope on stdout, the error it
// carries, and the progress events on stderr.
import {ExitCode, type ErrorCode} from '../errors/index.js'
import {EVENT_TYPE_BY_STATE, PROGRESS_DATASCHEMA, type StepEventType} from '../progress/cloud-event.js'
import type {StepState} from '../progress/step.js'
import {anyOf, anything, constant, integer, map, object, oneOf, optional, string} from './schema.js'

const ERROR_CODES = Object.keys(ExitCode).filter((code): code is ErrorCode => code !== 'OK')

export const ERROR = object(
  {
    name: string('The error class, e.g. ClusterMissingError'),
    code: oneOf(ERROR_CODES, 'Stable machine code; each has one documented exit code'),
    message: string(),
    exitCode: integer('The process exit code', {minimum: 1, maximum: 255}),
    remedy: optional(string('What to do about it')),
    details: optional(map(anything(), 'Facts of the failure, depending on the code (the failed command and its output, the config problems, …)')),
  },
  'A failure, as every command reports it',
)

const command = string('The command as typed, e.g. "create" or "port add"')

export const ENVELOPE = anyOf(
  [
    object({status: constant('ok'), command, result: anything('The command\'s result: see results/<command, spaces as dashes>.schema.json')}),
    object({status: constant('error'), command, error: ERROR}),
  ],
  'What `kcluster <command> --json` prints on stdout: exactly one of these',
)

const STATES = Object.keys(EVENT_TYPE_BY_STATE) as StepState[]
const TYPES = Object.values(EVENT_TYPE_BY_STATE) as StepEventType[]

export const PROGRESS_EVENT = object(
  {
    specversion: constant('1.0'),
    id: string('Unique per event', {minLength: 1}),
    source: string('kcluster/<command, spaces as slashes>, e.g. kcluster/create', {pattern: '^kcluster/[a-z0-9/-]+$'}),
    type: oneOf(TYPES, 'What happened to the step; data.state says the same'),
    time: string(undefined, {format: 'date-time'}),
    datacontenttype: constant('application/json'),
    dataschema: constant(PROGRESS_DATASCHEMA),
    subject: optional(string('The cluster the event is about, when there is one')),
    data: object({
      stepId: string('Stable machine name of the step ("kubeadm-init"); titles may change', {minLength: 1}),
      step: string('Title of the step, for people'),
      state: oneOf(STATES),
      message: optional(string('A progress line, the reason of a skip, or the error of a failure')),
      elapsedMs: optional(integer('Milliseconds the step ran, on completed and failed', {minimum: 0})),
    }),
  },
  'One line of stderr under --json: a CloudEvents 1.0 event (structured mode, JSON) about one step',
)
