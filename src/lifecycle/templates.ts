// Fills {{NAME}} placeholders of our templates; a missing or unused value is
// a bug in the caller, reported before anything reaches a node.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot} from '../images/paths.js'

export function renderTemplate(text: string, values: Record<string, string | number>): string {
  const used = new Set<string>()
  const rendered = text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new Error(`template value ${key} is missing`)
    used.add(key)
    return String(value)
  })
  const unused = Object.keys(values).filter((key) => !used.has(key))
  if (unused.length > 0) throw new Error(`template values not used: ${unused.join(', ')}`)
  return rendered
}

export function readTemplate(relativePath: string, root = packageRoot()): string {
  return readFileSync(join(root, 'templates', relativePath), 'utf8')
}
