// kcluster's machine contracts as JSON Schema documents: the --json envelope,
// each command's result, the progress events and the status watch stream.
// `npm run schema` writes them under schemas/; each document's $id carries
// its own version, bumped whenever its shape changes.
import {PROGRESS_EVENT_VERSION} from '../progress/cloud-event.js'
import {RESULT_SCHEMAS, STATUS_WATCH_LINE} from './results.js'
import {toJson, type Schema} from './schema.js'
import {ENVELOPE, PROGRESS_EVENT} from './streams.js'

export {RESULT_SCHEMAS} from './results.js'

export const SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#'
export const SCHEMA_BASE_URL = 'https://kcluster.dev/schemas'

export interface ContractDocument {
  /** Path under schemas/. */
  file: string
  version: number
  json: Record<string, unknown>
}

/** results/port-add.schema.json for "port add". */
export function resultSchemaFile(command: string): string {
  return `results/${command.replaceAll(' ', '-')}.schema.json`
}

export function schemaId(file: string, version: number): string {
  return `${SCHEMA_BASE_URL}/v${version}/${file}`
}

function document(file: string, version: number, title: string, schema: Schema<unknown>): ContractDocument {
  return {file, version, json: {$schema: SCHEMA_DIALECT, $id: schemaId(file, version), title, ...toJson(schema)}}
}

export function contractDocuments(): ContractDocument[] {
  return [
    // v2: the error code HOST_NOT_READY.
    document('envelope.schema.json', 2, 'kcluster --json output', ENVELOPE),
    // The events name their data schema by this same version (dataschema).
    document('progress-event.schema.json', Number(PROGRESS_EVENT_VERSION.slice(1)), 'kcluster progress event', PROGRESS_EVENT),
    document('status-watch.schema.json', 2, 'kcluster status --watch --json line', STATUS_WATCH_LINE),
    ...Object.entries(RESULT_SCHEMAS).map(([command, {version, schema}]) => document(resultSchemaFile(command), version, `kcluster ${command} --json result`, schema)),
  ]
}
