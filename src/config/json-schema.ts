// The small part of JSON Schema (draft-07) that describes a config file, and a
// strict decoder that walks it. One description serves both: the decoder
// rejects what the schema does not name, and the schema shipped to editors is
// this same description written out, so the two cannot drift apart.
import type {InputProblem} from '../errors/index.js'
import {fieldPath} from './field-path.js'
import {nearestName} from './nearest-name.js'

interface Annotations {
  title?: string
  description?: string
  default?: unknown
}

export type StringSchema = Annotations & {type: 'string'; enum?: string[]; const?: string}
export type BooleanSchema = Annotations & {type: 'boolean'}
export type IntegerSchema = Annotations & {type: 'integer'; minimum?: number; maximum?: number}
export type ArraySchema = Annotations & {type: 'array'; items: JsonSchema}
/** A record with known fields only. */
export type RecordSchema = Annotations & {type: 'object'; properties: Record<string, JsonSchema>; required?: string[]; additionalProperties: false}
/** A map from any key to values of one schema. */
export type MapSchema = Annotations & {type: 'object'; additionalProperties: JsonSchema}
export type RefSchema = Annotations & {$ref: string}
/** One of several shapes that differ in type (a string or a list of strings). */
export type AnyOfSchema = Annotations & {anyOf: JsonSchema[]}

export type JsonSchema = StringSchema | BooleanSchema | IntegerSchema | ArraySchema | RecordSchema | MapSchema | RefSchema | AnyOfSchema

export type RootSchema = RecordSchema & {$schema: string; definitions: Record<string, JsonSchema>}

export interface DecodeResult {
  /** The input without the parts that broke the schema, so later steps see only well-typed values. */
  value: unknown
  problems: InputProblem[]
}

const DROPPED = Symbol('dropped')

/** Checks a parsed YAML value against the schema, reporting every problem with its field path. */
export function decodeStrict(value: unknown, root: RootSchema): DecodeResult {
  const problems: InputProblem[] = []
  const decoded = walk(value, root, '', root, problems)
  return {value: decoded === DROPPED ? undefined : decoded, problems}
}

export function resolveRef(schema: JsonSchema, root: RootSchema): Exclude<JsonSchema, RefSchema> {
  if (!('$ref' in schema)) return schema
  const name = /^#\/definitions\/(.+)$/.exec(schema.$ref)?.[1]
  const target = name === undefined ? undefined : root.definitions[name]
  if (target === undefined) throw new Error(`config schema: unresolvable $ref ${schema.$ref}`)
  return resolveRef(target, root)
}

export function isRecordSchema(schema: JsonSchema): schema is RecordSchema {
  return 'properties' in schema
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function walk(value: unknown, schema: JsonSchema, path: string, root: RootSchema, problems: InputProblem[]): unknown {
  const resolved = resolveRef(schema, root)
  const fail = (message: string) => {
    problems.push({field: path, message})
    return DROPPED
  }
  if ('anyOf' in resolved) return walkAnyOf(value, resolved, path, root, problems)
  switch (resolved.type) {
    case 'string': {
      if (typeof value !== 'string') return fail(`must be a string (got ${describe(value)})`)
      const allowed = resolved.enum ?? (resolved.const === undefined ? undefined : [resolved.const])
      if (allowed && !allowed.includes(value)) {
        const near = nearestName(value, allowed)
        return fail(`must be ${oneOf(allowed)} (got ${JSON.stringify(value)})${near ? `; did you mean ${near}?` : ''}`)
      }
      return value
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : fail(`must be true or false (got ${describe(value)})`)
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(`must be a whole number (got ${describe(value)})`)
      const {minimum = -Infinity, maximum = Infinity} = resolved
      if (value < minimum || value > maximum) {
        return fail(resolved.title ? `${value} is not a ${resolved.title}: use ${minimum} to ${maximum}` : `must be between ${minimum} and ${maximum} (got ${value})`)
      }
      return value
    }
    case 'array': {
      if (!Array.isArray(value)) return fail(`must be a list (got ${describe(value)})`)
      return value.map((item, index) => walk(item, resolved.items, fieldPath(path, index), root, problems)).filter((item) => item !== DROPPED)
    }
    case 'object': {
      if (!isPlainObject(value)) return fail(`must be a mapping (got ${describe(value)})`)
      return isRecordSchema(resolved) ? walkRecord(value, resolved, path, root, problems) : walkMap(value, resolved, path, root, problems)
    }
  }
}

/** The first shape the value fits; else the problems of the one shape of its type, or which shapes there are. */
function walkAnyOf(value: unknown, schema: AnyOfSchema, path: string, root: RootSchema, problems: InputProblem[]): unknown {
  const tries = schema.anyOf.map((alternative) => {
    const found: InputProblem[] = []
    const resolved = resolveRef(alternative, root)
    return {decoded: walk(value, resolved, path, root, found), found, type: 'type' in resolved ? resolved.type : undefined}
  })
  const fits = tries.find((t) => t.found.length === 0)
  if (fits) return fits.decoded
  const sameType = tries.filter((t) => t.type !== undefined && t.type === valueType(value))
  if (sameType.length === 1) {
    problems.push(...sameType[0]!.found)
    return DROPPED
  }
  problems.push({field: path, message: `must be ${tries.map((t) => TYPE_WORDS[t.type ?? ''] ?? 'another shape').join(' or ')} (got ${describe(value)})`})
  return DROPPED
}

const TYPE_WORDS: Record<string, string> = {string: 'a string', boolean: 'true or false', integer: 'a whole number', array: 'a list', object: 'a mapping'}

function valueType(value: unknown): string | undefined {
  if (Array.isArray(value)) return 'array'
  if (isPlainObject(value)) return 'object'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : undefined
  return typeof value === 'string' || typeof value === 'boolean' ? typeof value : undefined
}

function walkRecord(value: Record<string, unknown>, schema: RecordSchema, path: string, root: RootSchema, problems: InputProblem[]): Record<string, unknown> | typeof DROPPED {
  const known = Object.keys(schema.properties)
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const property = schema.properties[key]
    if (property === undefined) {
      const near = nearestName(key, known)
      problems.push({field: fieldPath(path, key), message: near ? `unknown field; did you mean ${near}?` : `unknown field; the fields here are ${known.join(', ')}`})
      continue
    }
    // An empty YAML value (`networking:`) means "not set", as it does for kind.
    if (item === null) continue
    const decoded = walk(item, property, fieldPath(path, key), root, problems)
    if (decoded !== DROPPED) out[key] = decoded
  }
  const missing = (schema.required ?? []).filter((name) => value[name] === undefined || value[name] === null)
  for (const name of missing) problems.push({field: fieldPath(path, name), message: 'required field is missing'})
  // Without a required field the record means nothing; later steps never see it.
  return missing.length > 0 ? DROPPED : out
}

function walkMap(value: Record<string, unknown>, schema: MapSchema, path: string, root: RootSchema, problems: InputProblem[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const valueSchema = resolveRef(schema.additionalProperties, root)
  for (const [key, item] of Object.entries(value)) {
    // `key:` with nothing after it is an empty string where strings are expected, as in kind.
    const given = item === null && 'type' in valueSchema && valueSchema.type === 'string' ? '' : item
    const decoded = walk(given, valueSchema, fieldPath(path, key), root, problems)
    if (decoded !== DROPPED) out[key] = decoded
  }
  return out
}

function oneOf(values: string[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.join(', ')}`
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return JSON.stringify(value)
  return String(value)
}
