// A JSON Schema (draft-07) validator for the keywords kcluster's schemas use,
// written from the specification. It refuses a keyword it does not know, so a
// schema cannot rely on a rule nobody checks; a consumer's full validator
// (ajv, jsonschema) reads the same files.

export type JsonSchema = Record<string, unknown>

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description'])
const KNOWN = new Set([...ANNOTATIONS, 'type', 'const', 'enum', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', 'minimum', 'maximum', 'minLength', 'pattern', 'format'])

// RFC 3339 date-time, as draft-07's "date-time" format names it.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

const FORMATS: Record<string, (value: string) => boolean> = {
  'date-time': (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
  uri: (value) => URL.canParse(value) && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value),
}

const TYPES: Record<string, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
  array: Array.isArray,
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
}

/** Every subschema's keywords are ones this validator checks (validate() only meets the parts a value reaches). */
export function checkKeywords(schema: JsonSchema, path = '#'): string[] {
  const unknown = Object.keys(schema).filter((keyword) => !KNOWN.has(keyword)).map((keyword) => `${path}: unknown keyword ${keyword}`)
  const children: [string, unknown][] = [
    ...Object.entries((schema.properties ?? {}) as Record<string, unknown>).map(([name, child]): [string, unknown] => [`${path}/properties/${name}`, child]),
    [`${path}/items`, schema.items],
    [`${path}/additionalProperties`, schema.additionalProperties],
    ...((schema.anyOf ?? []) as unknown[]).map((child, index): [string, unknown] => [`${path}/anyOf/${index}`, child]),
  ]
  return [...unknown, ...children.flatMap(([at, child]) => (typeof child === 'object' && child !== null ? checkKeywords(child as JsonSchema, at) : []))]
}

/** Returns one line per problem (`$.nodes[0].ipv4: must be string`); none means valid. */
export function validate(value: unknown, schema: JsonSchema, path = '$'): string[] {
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN.has(keyword)) throw new Error(`schema at ${path} uses ${keyword}, which this validator does not check`)
  }
  const type = schema.type as string | undefined
  if (type !== undefined) {
    const check = TYPES[type]
    if (!check) throw new Error(`schema at ${path} names unknown type ${type}`)
    if (!check(value)) return [`${path}: must be ${type} (got ${describe(value)})`]
  }
  const errors: string[] = []
  if ('const' in schema && !deepEqual(value, schema.const)) errors.push(`${path}: must be ${JSON.stringify(schema.const)} (got ${describe(value)})`)
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => deepEqual(value, allowed))) {
    errors.push(`${path}: must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(value)})`)
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: must be at least ${schema.minimum} (got ${value})`)
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: must be at most ${schema.maximum} (got ${value})`)
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) errors.push(`${path}: must have at least ${schema.minLength} characters`)
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: must match ${schema.pattern} (got ${JSON.stringify(value)})`)
    if (typeof schema.format === 'string') {
      const check = FORMATS[schema.format]
      if (!check) throw new Error(`schema at ${path} names unknown format ${schema.format}`)
      if (!check(value)) errors.push(`${path}: must be a ${schema.format} (got ${JSON.stringify(value)})`)
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, index) => errors.push(...validate(item, schema.items as JsonSchema, `${path}[${index}]`)))
  }
  if (TYPES.object!(value)) errors.push(...validateObject(value as Record<string, unknown>, schema, path))
  if (Array.isArray(schema.anyOf)) errors.push(...validateAnyOf(value, schema.anyOf as JsonSchema[], path))
  return errors
}

function validateObject(value: Record<string, unknown>, schema: JsonSchema, path: string): string[] {
  const errors: string[] = []
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  for (const name of (schema.required ?? []) as string[]) {
    if (!Object.hasOwn(value, name)) errors.push(`${path}.${name}: required`)
  }
  for (const [key, item] of Object.entries(value)) {
    const property = properties[key]
    if (property) errors.push(...validate(item, property, `${path}.${key}`))
    else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed here (the schema names ${Object.keys(properties).join(', ')})`)
    else if (typeof schema.additionalProperties === 'object') errors.push(...validate(item, schema.additionalProperties as JsonSchema, `${path}.${key}`))
  }
  return errors
}

function validateAnyOf(value: unknown, alternatives: JsonSchema[], path: string): string[] {
  const results = alternatives.map((alternative) => validate(value, alternative, path))
  if (results.some((errors) => errors.length === 0)) return []
  // The alternative that came nearest says best what is wrong.
  const nearest = results.reduce((best, errors) => (errors.length < best.length ? errors : best))
  return [`${path}: matches none of ${alternatives.length} alternatives; nearest: ${nearest.join('; ')}`]
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  return String(value)
}
