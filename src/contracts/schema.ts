// Builders for the JSON Schemas of kcluster's machine output. Each builder
// returns the plain JSON Schema (draft-07) object and, in its type only, the
// TypeScript type of the values it accepts, so a test can hold a schema and
// the result type a command returns to be the same type: a field added to
// one and not the other fails the build, not a user's parser.

declare const STATIC: unique symbol
declare const OPTIONAL: unique symbol

/** A JSON Schema object whose accepted values have the type T (known to the compiler only). */
export type Schema<T> = {readonly [key: string]: unknown} & {readonly [STATIC]: T}
/** A property that may be absent. */
export type Optional<T> = Schema<T> & {readonly [OPTIONAL]: true}

/** The TypeScript type of the values a schema accepts. */
export type Static<S> = S extends Schema<infer T> ? T : never

type Properties = Record<string, Schema<unknown>>
type OptionalKeys<P extends Properties> = {[K in keyof P]: P[K] extends Optional<unknown> ? K : never}[keyof P]
type RequiredKeys<P extends Properties> = Exclude<keyof P, OptionalKeys<P>>
type ObjectStatic<P extends Properties> = {[K in RequiredKeys<P>]: Static<P[K]>} & {[K in OptionalKeys<P>]?: Static<P[K]>}

// Which properties are optional is known at run time by this mark, which JSON.stringify leaves out.
const OPTIONAL_MARK = Symbol('optional')

function schema<T>(json: Record<string, unknown>, description?: string): Schema<T> {
  return (description === undefined ? json : {description, ...json}) as unknown as Schema<T>
}

export interface StringRules {
  pattern?: string
  format?: 'date-time' | 'uri'
  minLength?: number
}

export function string(description?: string, rules: StringRules = {}): Schema<string> {
  return schema({type: 'string', ...rules}, description)
}

export function integer(description?: string, rules: {minimum?: number; maximum?: number} = {}): Schema<number> {
  return schema({type: 'integer', ...rules}, description)
}

export function boolean(description?: string): Schema<boolean> {
  return schema({type: 'boolean'}, description)
}

/** Exactly this value. */
export function constant<const V extends string | boolean>(value: V, description?: string): Schema<V> {
  return schema({type: typeof value, const: value}, description)
}

/** One of these strings. */
export function oneOf<const V extends readonly string[]>(values: V, description?: string): Schema<V[number]> {
  return schema({type: 'string', enum: [...values]}, description)
}

export function nullable<T>(inner: Schema<T>, description?: string): Schema<T | null> {
  return schema({anyOf: [inner, {type: 'null'}]}, description)
}

export function array<T>(items: Schema<T>, description?: string): Schema<T[]> {
  return schema({type: 'array', items}, description)
}

/** A map from any key to values of one schema (labels, feature gates). */
export function map<T>(values: Schema<T>, description?: string): Schema<Record<string, T>> {
  return schema({type: 'object', additionalProperties: values}, description)
}

/** Any JSON value. */
export function anything(description?: string): Schema<unknown> {
  return schema({}, description)
}

/** A record of known fields only: a field the schema does not name is an error, so output cannot grow unnoticed. */
export function object<P extends Properties>(properties: P, description?: string): Schema<ObjectStatic<P>> {
  const required = Object.keys(properties).filter((key) => !(OPTIONAL_MARK in properties[key]!))
  return schema({type: 'object', properties, required, additionalProperties: false}, description)
}

export function optional<T>(inner: Schema<T>): Optional<T> {
  return {...inner, [OPTIONAL_MARK]: true} as unknown as Optional<T>
}

/** A value of any one of these schemas. */
export function anyOf<S extends Schema<unknown>[]>(schemas: S, description?: string): Schema<Static<S[number]>> {
  return schema({anyOf: schemas}, description)
}

/** The schema as a plain JSON value (marks dropped). */
export function toJson(value: Schema<unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>
}
