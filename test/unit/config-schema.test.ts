// The JSON Schema shipped to editors agrees with the decoder: the file is the
// decoder's own description written out, every field it names is one the
// decoder reads (and the reverse), and a validator written here from the
// JSON Schema rules, independent of the decoder, accepts the valid fixtures
// and the README example and rejects the invalid ones the decoder rejects.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import yaml from 'js-yaml'
import {parseClusterConfig} from '../../src/config/load-config.js'
import {V1ALPHA1_API_VERSION, V1ALPHA1_SCHEMA} from '../../src/config/v1alpha1.js'
import {InvalidInputError} from '../../src/errors/index.js'
import {packageRoot} from '../../src/images/paths.js'
import {fixtureNames, fixtureText} from './config-fixture-files.js'

type Schema = Record<string, any>
const shipped = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'cluster-config.schema.json'), 'utf8')) as Schema

/** The draft-07 keywords the schema uses, checked by the book: returns the paths that break it. */
function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (schema.$ref) return validate(value, root.definitions[schema.$ref.replace('#/definitions/', '')], root, path)
  if (schema.anyOf) {
    const each = (schema.anyOf as Schema[]).map((alternative) => validate(value, alternative, root, path))
    return each.some((errors) => errors.length === 0) ? [] : [`${path}: fits none of anyOf`, ...each.flat()]
  }
  const errors: string[] = []
  const is: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    boolean: (v) => typeof v === 'boolean',
    integer: (v) => Number.isInteger(v),
    array: Array.isArray,
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  }
  if (schema.type && !is[schema.type]!(value)) return [`${path}: not ${schema.type}`]
  if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: not ${schema.const}`)
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: not in enum`)
  if (schema.minimum !== undefined && (value as number) < schema.minimum) errors.push(`${path}: below minimum`)
  if (schema.maximum !== undefined && (value as number) > schema.maximum) errors.push(`${path}: above maximum`)
  if (schema.type === 'array') (value as unknown[]).forEach((item, i) => errors.push(...validate(item, schema.items, root, `${path}[${i}]`)))
  if (schema.type === 'object') {
    const object = value as Record<string, unknown>
    for (const name of schema.required ?? []) if (!(name in object)) errors.push(`${path}.${name}: required`)
    for (const [key, item] of Object.entries(object)) {
      const property = schema.properties?.[key]
      if (property) errors.push(...validate(item, property, root, `${path}.${key}`))
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed`)
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(item, schema.additionalProperties, root, `${path}.${key}`))
    }
  }
  return errors
}

/** Every field path the schema names: nodes[].extraPortMappings[].hostPort, … */
function schemaFields(schema: Schema, prefix = ''): string[] {
  if (schema.$ref) return schemaFields(shipped.definitions[schema.$ref.replace('#/definitions/', '')], prefix)
  if (schema.type === 'array') return schemaFields(schema.items, `${prefix}[]`)
  if (schema.type !== 'object' || !schema.properties) return []
  return Object.entries(schema.properties as Record<string, Schema>).flatMap(([name, property]) => {
    const path = prefix === '' ? name : `${prefix}.${name}`
    return [path, ...schemaFields(property, path)]
  })
}

/** Every field path a YAML value uses, where maps (labels, featureGates) count as one field. */
function valueFields(value: unknown, schema: Schema, prefix = ''): string[] {
  return schemaFields(schema, prefix).filter((path) => {
    const tokens = path.split('.')
    const walk = (at: unknown, rest: string[]): boolean => {
      if (rest.length === 0) return at !== undefined
      const [head, ...tail] = rest
      const name = head!.replace('[]', '')
      const child = (at as Record<string, unknown> | undefined)?.[name]
      if (child === undefined) return false
      return head!.endsWith('[]') ? (child as unknown[]).some((item) => walk(item, tail)) : walk(child, tail)
    }
    return walk(value, tokens)
  })
}

const fixture = fixtureText
const ours = (folder: 'valid' | 'invalid') => fixtureNames(folder).filter((name) => fixture(folder, name).includes(`apiVersion: ${V1ALPHA1_API_VERSION}`))

describe('schemas/cluster-config.schema.json', () => {
  test('is the description the decoder enforces (npm run schema rewrites it)', () => {
    assert.deepEqual(shipped, JSON.parse(JSON.stringify(V1ALPHA1_SCHEMA)))
  })

  test('the every-field fixture uses every field the schema names, and the decoder reads them all', () => {
    const text = fixture('valid', 'v1alpha1-every-field.yaml')
    assert.deepEqual(valueFields(yaml.load(text), shipped).sort(), schemaFields(shipped).sort())
    assert.doesNotThrow(() => parseClusterConfig(text, {cwd: '/tmp', host: {hasIpv6: false, hasIpvs: true}}))
  })

  test('the decoder refuses every field the schema does not name, at every level', () => {
    for (const path of schemaFields(shipped).filter((p) => !p.endsWith(']') && p !== 'apiVersion' && p !== 'kind')) {
      // A field renamed where it stands: "nodes[].extraMounts[].readOnly" → nodes[0].extraMounts[0].readOnlyX.
      const tokens = path.split('.')
      const build = (rest: string[]): unknown => {
        const [head, ...tail] = rest
        const name = head!.replace('[]', '')
        const key = tail.length === 0 ? `${name}X` : name
        const inner = tail.length === 0 ? 1 : build(tail)
        const value = head!.endsWith('[]') && tail.length > 0 ? [inner] : inner
        return {[key]: value}
      }
      const document = {apiVersion: V1ALPHA1_API_VERSION, kind: 'Cluster', ...(build(tokens) as object)}
      const expected = `${path.replaceAll('[]', '[0]')}X`
      assert.throws(
        () => parseClusterConfig(yaml.dump(document), {cwd: '/tmp', host: {hasIpv6: false, hasIpvs: true}}),
        (error: unknown) => error instanceof InvalidInputError && error.problems.some((p) => p.field === expected && p.message.startsWith('unknown field')),
        expected,
      )
    }
  })

  test('the valid kcluster.dev/v1alpha1 fixtures validate', () => {
    assert.ok(ours('valid').length >= 4)
    for (const name of ours('valid')) assert.deepEqual(validate(yaml.load(fixture('valid', name)), shipped), [], name)
  })

  test('invalid fixtures whose problems the decoder finds fail the schema too', () => {
    for (const name of ['many-problems.yaml', 'unknown-field-far.yaml', 'v1alpha1-negative-host-port.yaml', 'duplicate-host-ports.yaml']) {
      const errors = validate(yaml.load(fixture('invalid', name)), shipped)
      // duplicate host ports are the plan's finding, beyond any schema.
      if (name === 'duplicate-host-ports.yaml') assert.deepEqual(errors, [])
      else assert.notDeepEqual(errors, [], name)
    }
  })

  test('the README example is the readme fixture, with the modeline, and validates', () => {
    const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8')
    const block = /```yaml\n(# yaml-language-server: \$schema=\S+cluster-config\.schema\.json\n[\s\S]*?)```/.exec(readme)?.[1]
    assert.ok(block, 'README has a YAML example with the schema modeline')
    const body = (text: string) => text.split('\n').slice(1).join('\n')
    assert.equal(body(block), body(fixture('valid', 'v1alpha1-readme.yaml')))
    assert.deepEqual(validate(yaml.load(block), shipped), [])
  })
})
