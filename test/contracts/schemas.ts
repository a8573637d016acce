// The schemas kcluster ships (schemas/), read from the package and applied to
// what the CLI prints: an envelope on stdout, progress events on stderr.
import {existsSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {EVENT_TYPE_BY_STATE} from '../../src/progress/cloud-event.js'
import type {StepState} from '../../src/progress/step.js'
import {resultSchemaFile as resultSchemaPath} from '../../src/contracts/index.js'
import {validate, type JsonSchema} from './validator.js'

/** The package root, from dist/test/contracts. */
const ROOT = resolve(import.meta.dirname, '../../..')
export const SCHEMAS_DIR = join(ROOT, 'schemas')

export function readSchema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')) as JsonSchema
}

export function hasResultSchema(command: string): boolean {
  return existsSync(join(SCHEMAS_DIR, resultSchemaPath(command)))
}

/**
 * Problems of one stdout envelope: its own shape, then its result against the
 * command's result schema. A command without a result schema is reported
 * only when `requireResultSchema` (the unit test's coverage check names those).
 */
export function envelopeProblems(envelope: unknown, {requireResultSchema = true} = {}): string[] {
  const problems = validate(envelope, readSchema('envelope.schema.json'))
  if (problems.length > 0) return problems
  const {status, command, result} = envelope as {status: string; command: string; result?: unknown}
  if (status !== 'ok') return []
  if (!hasResultSchema(command)) return requireResultSchema ? [`no result schema ${resultSchemaPath(command)} for command "${command}"`] : []
  return validate(result, readSchema(resultSchemaPath(command)), '$.result')
}

/**
 * Problems of a --json stderr: each line must be a progress event (a CloudEvent) whose type goes with its state.
 * `jsonLinesOnly` passes over lines that are not JSON objects (a Node.js warning), checking the events among them.
 */
export function progressStreamProblems(stderr: string, {jsonLinesOnly = false} = {}): string[] {
  const schema = readSchema('progress-event.schema.json')
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && (!jsonLinesOnly || line.startsWith('{')))
    .flatMap((line, index) => {
      let event: unknown
      try {
        event = JSON.parse(line)
      } catch {
        return [`line ${index + 1} is not JSON: ${line.slice(0, 200)}`]
      }
      const problems = validate(event, schema, `line ${index + 1}`)
      // The schema allows each type and each state; which goes with which it cannot say.
      const {type, data} = event as {type: string; data: {state: StepState}}
      if (problems.length === 0 && EVENT_TYPE_BY_STATE[data.state] !== type) problems.push(`line ${index + 1}: type ${type} does not match state ${data.state}`)
      return problems
    })
}

export function assertValid(problems: string[], what: string): void {
  if (problems.length > 0) throw new Error(`${what} breaks its schema:\n  ${problems.join('\n  ')}`)
}
