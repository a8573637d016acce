// The versioning rule of the shipped schemas, as data: for each schema, the
// version it was last recorded at and a hash of its shape. A shape that
// changes while the version stays is refused; a bumped version is recorded
// (UPDATE_CONTRACTS=1). Descriptions and titles are not shape: they may
// change freely.
import {createHash} from 'node:crypto'
import type {JsonSchema} from './validator.js'

export type SchemaLock = Record<string, {version: number; shape: string}>

const NOT_SHAPE = new Set(['$id', 'title', 'description'])

/** The schema without its prose, keys sorted, so only a change of what validates changes it. */
export function shapeOf(schema: JsonSchema): unknown {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(schema).sort()) {
    if (NOT_SHAPE.has(key)) continue
    const value = schema[key]
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).sort(([a], [b]) => a.localeCompare(b)).map(([name, child]) => [name, shapeOf(child)]))
    else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) out[key] = shapeOf(value as JsonSchema)
    else if (key === 'anyOf') out[key] = (value as JsonSchema[]).map(shapeOf)
    else out[key] = value
  }
  return out
}

export function shapeHash(schema: JsonSchema): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(shapeOf(schema))).digest('hex')}`
}

export interface LockCheck {
  /** Breaks the rule: a shape changed without a new version. Recording cannot fix these. */
  refused: string[]
  /** Bumped, new or removed schemas that UPDATE_CONTRACTS=1 records. */
  unrecorded: string[]
  /** The lock with every bumped or new schema recorded (and removed ones dropped). */
  updated: SchemaLock
}

export function checkLock(schemas: {file: string; version: number; schema: JsonSchema}[], lock: SchemaLock): LockCheck {
  const refused: string[] = []
  const unrecorded: string[] = []
  const updated: SchemaLock = {}
  for (const {file, version, schema} of schemas) {
    const shape = shapeHash(schema)
    const recorded = lock[file]
    updated[file] = {version, shape}
    if (recorded === undefined) {
      unrecorded.push(`${file} v${version} is new: record it with UPDATE_CONTRACTS=1`)
    } else if (version < recorded.version) {
      refused.push(`${file}: version went down from v${recorded.version} to v${version}`)
      updated[file] = recorded
    } else if (version === recorded.version && shape !== recorded.shape) {
      refused.push(`${file} changed shape but is still v${version}: bump its version in src/contracts, run npm run schema, then record it with UPDATE_CONTRACTS=1`)
      updated[file] = recorded
    } else if (version > recorded.version) {
      unrecorded.push(`${file} went from v${recorded.version} to v${version}: record it with UPDATE_CONTRACTS=1`)
    }
  }
  for (const file of Object.keys(lock)) if (!schemas.some((s) => s.file === file)) unrecorded.push(`${file} is recorded but no longer exists: drop it with UPDATE_CONTRACTS=1`)
  return {refused, unrecorded, updated}
}
