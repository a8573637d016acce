// The part of TOML that containerd configurations use, read into plain
// objects and written back, so config patches merge as structure. Tables,
// array tables, dotted and quoted keys, strings, numbers, booleans, arrays
// and inline tables; dates and multi-line strings are refused with the line.

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable
export interface TomlTable {
  [key: string]: TomlValue
}

export class TomlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`)
  }
}

function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Reads one document. */
export function parseToml(text: string): TomlTable {
  const root: TomlTable = {}
  let current = root
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1
    let line = lines[index]!
    // Arrays and inline tables may span lines: join until brackets balance.
    while (openBrackets(line) > 0 && index + 1 < lines.length) line += `\n${lines[++index]}`
    const cursor = new Cursor(line, lineNo)
    cursor.skipSpace()
    if (cursor.atEnd()) continue
    if (cursor.peek('[[')) {
      cursor.advance(2)
      const path = cursor.readKey()
      cursor.expect(']]')
      cursor.expectEnd()
      const parent = descend(root, path.slice(0, -1), lineNo)
      const last = path.at(-1)!
      const list = (parent[last] ??= []) as TomlValue[]
      if (!Array.isArray(list)) throw new TomlError(`${path.join('.')} is not an array of tables`, lineNo)
      current = {}
      list.push(current)
      continue
    }
    if (cursor.peek('[')) {
      cursor.advance(1)
      const path = cursor.readKey()
      cursor.expect(']')
      cursor.expectEnd()
      current = descend(root, path, lineNo)
      continue
    }
    const key = cursor.readKey()
    cursor.skipSpace()
    cursor.expect('=')
    const value = cursor.readValue()
    cursor.expectEnd()
    const target = descend(current, key.slice(0, -1), lineNo)
    if (key.at(-1)! in target) throw new TomlError(`${key.join('.')} is defined twice`, lineNo)
    target[key.at(-1)!] = value
  }
  return root
}

function descend(table: TomlTable, path: string[], line: number): TomlTable {
  let here = table
  for (const part of path) {
    const next = (here[part] ??= {})
    if (Array.isArray(next) && isTable(next.at(-1))) {
      here = next.at(-1) as TomlTable
      continue
    }
    if (!isTable(next)) throw new TomlError(`${part} is a value, not a table`, line)
    here = next
  }
  return here
}

/** How many [ and { are still open, outside strings and comments. */
function openBrackets(line: string): number {
  let depth = 0
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote) {
      if (c === '\\' && quote === '"') i++
      else if (c === quote) quote = undefined
    } else if (c === '"' || c === "'") quote = c
    else if (c === '#') break
    else if (c === '[' || c === '{') depth++
    else if (c === ']' || c === '}') depth--
  }
  // A table header's brackets close on their own line.
  return Math.max(0, depth)
}

const BARE_KEY = /[A-Za-z0-9_-]/
const ESCAPES: Record<string, string> = {b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\'}

class Cursor {
  private at = 0
  constructor(
    private readonly text: string,
    private readonly line: number,
  ) {}

  fail(message: string): never {
    throw new TomlError(message, this.line)
  }

  atEnd(): boolean {
    return this.at >= this.text.length || this.text[this.at] === '#'
  }

  peek(token: string): boolean {
    return this.text.startsWith(token, this.at)
  }

  advance(count: number): void {
    this.at += count
  }

  skipSpace(newlines = false): void {
    for (;;) {
      const c = this.text[this.at]
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.at++
      else if (newlines && c === '#') while (this.at < this.text.length && this.text[this.at] !== '\n') this.at++
      else return
    }
  }

  expect(token: string): void {
    this.skipSpace()
    if (!this.peek(token)) this.fail(`expected ${token} at column ${this.at + 1}`)
    this.at += token.length
  }

  expectEnd(): void {
    this.skipSpace()
    if (!this.atEnd()) this.fail(`unexpected ${JSON.stringify(this.text.slice(this.at, this.at + 12))}`)
  }

  readKey(): string[] {
    const parts: string[] = []
    for (;;) {
      this.skipSpace()
      const c = this.text[this.at]
      if (c === '"' || c === "'") parts.push(this.readString())
      else {
        const start = this.at
        while (this.at < this.text.length && BARE_KEY.test(this.text[this.at]!)) this.at++
        if (start === this.at) this.fail('expected a key')
        parts.push(this.text.slice(start, this.at))
      }
      this.skipSpace()
      if (this.text[this.at] !== '.') return parts
      this.at++
    }
  }

  readString(): string {
    const quote = this.text[this.at]!
    if (this.text.startsWith(quote.repeat(3), this.at)) this.fail('multi-line strings are not supported in containerd patches')
    this.at++
    let out = ''
    for (;;) {
      const c = this.text[this.at++]
      if (c === undefined || c === '\n') this.fail('unterminated string')
      if (c === quote) return out
      if (c === '\\' && quote === '"') {
        const e = this.text[this.at++]!
        if (e === 'u' || e === 'U') {
          const size = e === 'u' ? 4 : 8
          out += String.fromCodePoint(parseInt(this.text.slice(this.at, this.at + size), 16))
          this.at += size
        } else if (e in ESCAPES) out += ESCAPES[e]
        else this.fail(`unknown escape \\${e}`)
      } else out += c
    }
  }

  readValue(): TomlValue {
    this.skipSpace(true)
    const c = this.text[this.at]
    if (c === '"' || c === "'") return this.readString()
    if (c === '[') {
      this.at++
      const items: TomlValue[] = []
      for (;;) {
        this.skipSpace(true)
        if (this.text[this.at] === ']') return this.at++, items
        items.push(this.readValue())
        this.skipSpace(true)
        if (this.text[this.at] === ',') this.at++
        else if (this.text[this.at] !== ']') this.fail('expected , or ] in an array')
      }
    }
    if (c === '{') {
      this.at++
      const table: TomlTable = {}
      this.skipSpace()
      if (this.text[this.at] === '}') return this.at++, table
      for (;;) {
        const key = this.readKey()
        this.expect('=')
        const target = descend(table, key.slice(0, -1), this.line)
        target[key.at(-1)!] = this.readValue()
        this.skipSpace()
        if (this.text[this.at] === '}') return this.at++, table
        this.expect(',')
      }
    }
    const match = /^(true|false|[+-]?(?:inf|nan)|[+-]?[0-9_]+(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?|0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+)(?=[\s,\]}#]|$)/.exec(this.text.slice(this.at))
    if (!match) this.fail(`cannot read the value ${JSON.stringify(this.text.slice(this.at, this.at + 20))} (dates are not supported)`)
    this.at += match[1]!.length
    const token = match[1]!.replaceAll('_', '')
    if (token === 'true' || token === 'false') return token === 'true'
    if (/^0[xob]/.test(token)) return Number(token)
    if (/inf|nan/.test(token)) return token.includes('nan') ? Number.NaN : token.startsWith('-') ? -Infinity : Infinity
    return Number(token)
  }
}

/** Maps merge key by key; anything else in `patch` replaces what `base` had. */
export function mergeToml(base: TomlTable, patch: TomlTable): TomlTable {
  const merged: TomlTable = {...base}
  for (const [key, value] of Object.entries(patch)) {
    const before = merged[key]
    merged[key] = isTable(before) && isTable(value) ? mergeToml(before, value) : value
  }
  return merged
}

/** Writes a document back: scalars and arrays of a table first, then its sub-tables under their full names. */
export function stringifyToml(table: TomlTable): string {
  const out: string[] = []
  const write = (here: TomlTable, path: string[]) => {
    const entries = Object.entries(here)
    const plain = entries.filter(([, v]) => !isTable(v) && !isTableArray(v))
    if (path.length > 0 && (plain.length > 0 || entries.length === 0)) out.push(`[${path.map(formatKey).join('.')}]`)
    for (const [key, value] of plain) out.push(`${formatKey(key)} = ${formatValue(value)}`)
    if (plain.length > 0) out.push('')
    for (const [key, value] of entries) {
      if (isTable(value)) write(value, [...path, key])
      else if (isTableArray(value)) {
        for (const item of value) {
          out.push(`[[${[...path, key].map(formatKey).join('.')}]]`)
          for (const [k, v] of Object.entries(item)) out.push(`${formatKey(k)} = ${formatValue(v)}`)
          out.push('')
        }
      }
    }
  }
  write(table, [])
  return `${out.join('\n').trim()}\n`
}

function isTableArray(value: TomlValue): value is TomlTable[] {
  return Array.isArray(value) && value.length > 0 && value.every(isTable)
}

function formatKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)
}

function formatValue(value: TomlValue): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : value === Infinity ? 'inf' : value === -Infinity ? '-inf' : String(value)
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`
  return `{${Object.entries(value).map(([k, v]) => `${formatKey(k)} = ${formatValue(v)}`).join(', ')}}`
}
