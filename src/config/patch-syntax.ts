// The text of a patch → its structure, or what is wrong with it. Config
// validation uses this to report malformed patches with the file's other
// problems; applying them (src/lifecycle/kubeadm) parses the same way.
import yaml from 'js-yaml'
import {isPlainObject} from './json-schema.js'
import {splitApiVersion, type PatchTarget} from './kubeadm-patch-target.js'
import {describeYamlError} from './yaml-text.js'

/** One document of a merge patch: what it targets, and the fields it sets (kind and apiVersion left out). */
export interface MergePatchDocument {
  target: PatchTarget
  body: Record<string, unknown>
}

export type Json6902Operation =
  | {op: 'add' | 'replace' | 'test'; path: string; value: unknown}
  | {op: 'remove'; path: string}
  | {op: 'move' | 'copy'; from: string; path: string}

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test']

type Parsed<T> = {ok: T} | {problem: string}

function loadYaml(text: string, all: true): Parsed<unknown[]>
function loadYaml(text: string, all: false): Parsed<unknown>
function loadYaml(text: string, all: boolean): Parsed<unknown> {
  try {
    return {ok: all ? yaml.loadAll(text, undefined, {schema: yaml.CORE_SCHEMA}) : yaml.load(text, {schema: yaml.CORE_SCHEMA})}
  } catch (error) {
    if (error instanceof yaml.YAMLException) return {problem: describeYamlError(error)}
    throw error
  }
}

/** A merge patch may hold several YAML documents (---), each naming its kind and optionally its apiVersion. */
export function parseMergePatch(text: string): Parsed<MergePatchDocument[]> {
  const loaded = loadYaml(text, true)
  if ('problem' in loaded) return loaded
  const documents = loaded.ok.filter((d) => d !== null && d !== undefined)
  if (documents.length === 0) return {problem: 'holds no YAML document: a patch is a mapping with kind, optionally apiVersion, and the fields to set'}
  const parsed: MergePatchDocument[] = []
  for (const [index, document] of documents.entries()) {
    const which = documents.length > 1 ? `document ${index + 1}: ` : ''
    if (!isPlainObject(document)) return {problem: `${which}must be a mapping with kind and the fields to set`}
    const {kind, apiVersion, ...body} = document
    if (typeof kind !== 'string' || kind === '') return {problem: `${which}has no kind: name the document it changes, e.g. kind: ClusterConfiguration`}
    if (apiVersion !== undefined && typeof apiVersion !== 'string') return {problem: `${which}apiVersion must be a string`}
    parsed.push({target: {kind, ...(apiVersion ? splitApiVersion(apiVersion) : {})}, body})
  }
  return {ok: parsed}
}

/** An RFC 6902 patch: a YAML or JSON list of operations. */
export function parseJson6902(text: string): Parsed<Json6902Operation[]> {
  const loaded = loadYaml(text, false)
  if ('problem' in loaded) return loaded
  if (!Array.isArray(loaded.ok)) return {problem: 'must be a list of operations, e.g. - {op: add, path: /apiServer/certSANs/-, value: my-host}'}
  const operations: Json6902Operation[] = []
  for (const [index, item] of loaded.ok.entries()) {
    const problem = operationProblem(item)
    if (problem) return {problem: `operation ${index}: ${problem}`}
    operations.push(item as Json6902Operation)
  }
  return {ok: operations}
}

function operationProblem(item: unknown): string | undefined {
  if (!isPlainObject(item)) return 'must be a mapping with op and path'
  const {op, path, from} = item
  if (typeof op !== 'string' || !OPS.includes(op)) return `op must be one of ${OPS.join(', ')} (got ${JSON.stringify(op ?? null)})`
  const pointerProblem = (name: string, value: unknown) =>
    typeof value !== 'string' ? `${op} needs ${name}, a JSON pointer such as /apiServer/certSANs` : value !== '' && !value.startsWith('/') ? `${name} ${JSON.stringify(value)} must start with /` : undefined
  const problem = pointerProblem('path', path) ?? ((op === 'move' || op === 'copy') ? pointerProblem('from', from) : undefined)
  if (problem) return problem
  if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in item)) return `${op} needs a value`
  return undefined
}
