// RFC 6902 JSON Patch on plain JSON values: add, remove, replace, move, copy,
// test; "/-" appends; "~1" is "/" and "~0" is "~" in a path. The document is
// changed in place; a failing operation throws a JsonPatchError saying why.
import type {Json6902Operation} from '../../config/patch-syntax.js'

export class JsonPatchError extends Error {}

type Container = Record<string, unknown> | unknown[]

/** "/a/b~1c" → ["a", "b/c"]; "" is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new JsonPatchError(`path ${JSON.stringify(pointer)} must start with /`)
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
}

/** Applies the operations in order to `document` (changed in place). The whole document cannot be replaced. */
export function applyJson6902(document: Record<string, unknown>, operations: Json6902Operation[]): void {
  for (const operation of operations) applyOperation(document, operation)
}

function applyOperation(document: Record<string, unknown>, operation: Json6902Operation): void {
  const path = parsePointer(operation.path)
  switch (operation.op) {
    case 'add':
      return add(document, path, structuredClone(operation.value))
    case 'remove':
      return void remove(document, path)
    case 'replace':
      remove(document, path)
      return add(document, path, structuredClone(operation.value))
    case 'move': {
      const from = parsePointer(operation.from)
      if (path.length > from.length && from.every((token, i) => token === path[i])) throw new JsonPatchError(`cannot move ${operation.from} into itself`)
      return add(document, path, remove(document, from))
    }
    case 'copy':
      return add(document, path, structuredClone(get(document, parsePointer(operation.from))))
    case 'test': {
      const actual = get(document, path)
      if (!deepEqual(actual, operation.value)) throw new JsonPatchError(`test failed: ${operation.path} is ${JSON.stringify(actual)}, not ${JSON.stringify(operation.value)}`)
      return
    }
  }
}

export function get(document: unknown, path: string[]): unknown {
  let at: unknown = document
  for (const [depth, token] of path.entries()) {
    const where = `/${path.slice(0, depth + 1).join('/')}`
    if (Array.isArray(at)) at = at[arrayIndex(at, token, false, where)]
    else if (isObject(at) && Object.hasOwn(at, token)) at = at[token]
    else throw new JsonPatchError(`${where} does not exist`)
  }
  return at
}

function parentOf(document: Record<string, unknown>, path: string[]): {parent: Container; token: string} {
  if (path.length === 0) throw new JsonPatchError('the whole document cannot be replaced or removed; patch its fields')
  const parent = get(document, path.slice(0, -1))
  if (!Array.isArray(parent) && !isObject(parent)) throw new JsonPatchError(`/${path.slice(0, -1).join('/')} is neither a mapping nor a list`)
  return {parent, token: path.at(-1)!}
}

function add(document: Record<string, unknown>, path: string[], value: unknown): void {
  const {parent, token} = parentOf(document, path)
  if (Array.isArray(parent)) parent.splice(token === '-' ? parent.length : arrayIndex(parent, token, true, `/${path.join('/')}`), 0, value)
  else parent[token] = value
}

function remove(document: Record<string, unknown>, path: string[]): unknown {
  const {parent, token} = parentOf(document, path)
  const where = `/${path.join('/')}`
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, token, false, where), 1)[0]
  if (!Object.hasOwn(parent, token)) throw new JsonPatchError(`${where} does not exist`)
  const value = parent[token]
  delete parent[token]
  return value
}

/** A list index: digits without leading zeros, inside the list (or one past its end where adding). */
function arrayIndex(list: unknown[], token: string, adding: boolean, where: string): number {
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new JsonPatchError(`${where}: ${JSON.stringify(token)} is not an index of a list`)
  const index = Number(token)
  if (index > list.length || (!adding && index === list.length)) throw new JsonPatchError(`${where}: index ${index} is past the end of a list of ${list.length}`)
  return index
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]))
  if (!isObject(a) || !isObject(b)) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
}
