// A config's kubeadmConfigPatches and kubeadmConfigPatchesJSON6902 applied to
// the documents kcluster writes, the way kind applies them: a patch matches
// by kind (and group/version when it names them); merge patches merge
// mappings recursively, null deletes a field and lists are replaced, except
// that component arguments are merged by name and certSANs are added to.
// kubeadm v1beta3 patches (arguments as a mapping) are translated to the
// v1beta4 documents (arguments as a list of {name, value}).
import {KUBEADM_GROUP, patchMatches, splitApiVersion} from '../../config/kubeadm-patch-target.js'
import {parseJson6902, parseMergePatch, type Json6902Operation} from '../../config/patch-syntax.js'
import {InvalidInputError, type InputProblem} from '../../errors/index.js'
import type {KubeadmPatches} from '../../plan/plan-cluster.js'
import type {KubeadmDocument} from './config.js'
import {applyJson6902, get, JsonPatchError, parsePointer} from './json-patch.js'

export type {KubeadmPatches} from '../../plan/plan-cluster.js'

/** A patch (or one document of a multi-document merge patch) that matched none of the documents. */
export interface UnmatchedPatch {
  field: string
  kind: string
  /** Which document of a multi-document merge patch, from 1; absent when the patch has one. */
  document?: number
}

export interface PatchedDocuments {
  documents: KubeadmDocument[]
  unmatched: UnmatchedPatch[]
}

const ARGUMENT_LISTS = new Set(['extraArgs', 'kubeletExtraArgs'])

type Arg = {name: string; value: string}

/**
 * Applies merge patches, then RFC 6902 patches, each in the order given, to copies of the documents.
 * A malformed patch or a failing operation is an InvalidInputError naming the patch's field.
 */
export function applyKubeadmPatches(documents: KubeadmDocument[], patches: KubeadmPatches): PatchedDocuments {
  const patched = structuredClone(documents)
  const problems: InputProblem[] = []
  const unmatched: UnmatchedPatch[] = []

  for (const {field, patch} of patches.merge) {
    const parsed = parseMergePatch(patch)
    if ('problem' in parsed) {
      problems.push({field, message: parsed.problem})
      continue
    }
    for (const [index, {target, body}] of parsed.ok.entries()) {
      const matching = patched.filter((document) => patchMatches(document, target))
      if (matching.length === 0) unmatched.push({field, kind: target.kind, ...(parsed.ok.length > 1 ? {document: index + 1} : {})})
      for (const document of matching) {
        try {
          mergeInto(document, body, isKubeadm(document))
        } catch (error) {
          if (!(error instanceof JsonPatchError)) throw error
          problems.push({field, message: parsed.ok.length > 1 ? `document ${index + 1}: ${error.message}` : error.message})
        }
      }
    }
  }

  for (const {field, patch} of patches.json6902) {
    const parsed = parseJson6902(patch.patch)
    if ('problem' in parsed) {
      problems.push({field: `${field}.patch`, message: parsed.problem})
      continue
    }
    const matching = patched.filter((document) => patchMatches(document, patch))
    if (matching.length === 0) unmatched.push({field, kind: patch.kind})
    for (const document of matching) {
      for (const [index, operation] of parsed.ok.entries()) {
        try {
          const translated = isKubeadm(document) ? argumentOperations(document, operation) : [operation]
          applyJson6902(document, translated)
        } catch (error) {
          if (!(error instanceof JsonPatchError)) throw error
          problems.push({field: `${field}.patch`, message: `operation ${index} (${operation.op} ${operation.path}): ${error.message}`})
          break
        }
      }
    }
  }

  if (problems.length > 0) throw new InvalidInputError(problems)
  return {documents: patched, unmatched}
}

function isKubeadm(document: KubeadmDocument): boolean {
  return splitApiVersion(document.apiVersion).group === KUBEADM_GROUP
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** RFC 7386 merge into `target`, with kubeadm's argument lists merged by name and certSANs added to. */
function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>, kubeadm: boolean): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key]
    else if (kubeadm && ARGUMENT_LISTS.has(key)) target[key] = mergeArguments(target[key], value, key)
    else if (kubeadm && key === 'certSANs' && Array.isArray(value) && Array.isArray(target[key])) {
      target[key] = [...(target[key] as unknown[]), ...value.filter((san) => !(target[key] as unknown[]).includes(san))]
    } else if (isObject(value)) {
      const into = isObject(target[key]) ? (target[key] as Record<string, unknown>) : {}
      mergeInto(into, value, kubeadm)
      target[key] = into
    } else target[key] = structuredClone(value)
  }
}

/** Arguments of a v1beta4 list or a v1beta3 mapping, as the list: {name, value} with string values; null values delete. */
function argumentsOf(value: unknown, key: string): {name: string; value: string | null}[] {
  let entries: [string, unknown][]
  if (Array.isArray(value)) {
    entries = value.map((item) => {
      if (!isObject(item) || typeof item.name !== 'string') throw new JsonPatchError(`${key}: every entry needs a name (and a value), e.g. {name: v, value: "4"}`)
      return [item.name, item.value]
    })
  } else if (isObject(value)) {
    entries = Object.entries(value)
  } else {
    throw new JsonPatchError(`${key} must be a list of {name, value} or a mapping of name: value`)
  }
  return entries.map(([name, raw]) => {
    if (raw !== null && raw !== undefined && typeof raw === 'object') throw new JsonPatchError(`${key}.${name}: an argument's value is a string`)
    return {name, value: raw === null || raw === undefined ? null : String(raw)}
  })
}

function mergeArguments(existing: unknown, patch: unknown, key: string): Arg[] {
  const merged: Arg[] = existing === undefined ? [] : argumentsOf(existing, key).filter((a): a is Arg => a.value !== null)
  for (const {name, value} of argumentsOf(patch, key)) {
    const at = merged.findIndex((a) => a.name === name)
    if (value === null) {
      if (at >= 0) merged.splice(at, 1)
    } else if (at >= 0) merged[at] = {name, value}
    else merged.push({name, value})
  }
  return merged
}

/** add operations for the mappings above `path` that do not exist yet. */
function missingParents(document: KubeadmDocument, path: string[]): Json6902Operation[] {
  const operations: Json6902Operation[] = []
  for (let depth = 1; depth < path.length; depth++) {
    try {
      get(document, path.slice(0, depth))
    } catch {
      operations.push({op: 'add', path: pointer(path.slice(0, depth)), value: {}})
    }
  }
  return operations
}

function pointer(tokens: (string | number)[]): string {
  return tokens.map((t) => `/${String(t).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')
}

/**
 * A v1beta3-style operation on an argument by name (/apiServer/extraArgs/audit-log-path) as operations on
 * v1beta4's list; a mapping given for a whole argument list becomes the list. Other operations pass as they are.
 */
function argumentOperations(document: KubeadmDocument, operation: Json6902Operation): Json6902Operation[] {
  const tokens = parsePointer(operation.path)
  const at = tokens.findIndex((t) => ARGUMENT_LISTS.has(t))
  if (at < 0 || operation.op === 'move' || operation.op === 'copy') return [operation]
  const listPath = tokens.slice(0, at + 1)
  if (tokens.length === at + 1) {
    if ((operation.op === 'add' || operation.op === 'replace') && isObject(operation.value)) {
      return [{...operation, value: argumentsOf(operation.value, tokens[at]!)}]
    }
    return [operation]
  }
  const name = tokens[at + 1]!
  if (tokens.length !== at + 2 || name === '-' || /^\d+$/.test(name)) return [operation]
  let list: unknown
  try {
    list = get(document, listPath)
  } catch {
    list = undefined
  }
  if (list !== undefined && !Array.isArray(list)) return [operation]
  const index = (list as Arg[] | undefined)?.findIndex((a) => a.name === name) ?? -1
  switch (operation.op) {
    case 'add':
    case 'replace': {
      const arg = {name, value: String(operation.value)}
      // kind's documents always carry the components' argument maps; ours only where set, so make the way.
      if (list === undefined) return [...missingParents(document, listPath), {op: 'add', path: pointer(listPath), value: [arg]}]
      return index >= 0 ? [{op: 'replace', path: pointer([...listPath, index, 'value']), value: arg.value}] : [{op: 'add', path: pointer([...listPath, '-']), value: arg}]
    }
    case 'remove':
      if (index < 0) throw new JsonPatchError(`${operation.path}: no argument ${name} to remove`)
      return [{op: 'remove', path: pointer([...listPath, index])}]
    case 'test':
      if (index < 0) throw new JsonPatchError(`test failed: no argument ${name}`)
      return [{op: 'test', path: pointer([...listPath, index, 'value']), value: String(operation.value)}]
  }
}
