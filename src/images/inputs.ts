// Content hashes of what a recipe reads, so an image tag names its inputs and
// an unchanged rebuild is skipped. Locations never count: a copy of the package
// elsewhere hashes the same.
import {createHash} from 'node:crypto'
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {RecipeInputs} from './recipe.js'

/** Every field is length-prefixed, so no two different inputs hash alike. */
export function hashInputs(root: string, inputs: RecipeInputs): string {
  const hash = createHash('sha256')
  const field = (kind: string, name: string, content: string | Buffer) => {
    hash.update(`${kind} ${JSON.stringify(name)} ${Buffer.byteLength(content)}\n`)
    hash.update(content)
  }
  for (const [key, value] of Object.entries(inputs.values ?? {}).sort(([a], [b]) => a.localeCompare(b))) field('value', key, value)
  const files = [...new Set((inputs.files ?? []).flatMap((path) => listFiles(join(root, path))))].sort()
  for (const file of files) {
    // The executable bit is part of a file as an image sees it.
    const executable = (statSync(file).mode & 0o111) !== 0
    field(executable ? 'executable' : 'file', relative(root, file), readFileSync(file))
  }
  const code = [...new Set(inputs.code ?? [])].map((url) => createHash('sha256').update(readFileSync(fileURLToPath(url))).digest('hex')).sort()
  for (const digest of code) field('code', '', digest)
  return hash.digest('hex')
}

function listFiles(path: string): string[] {
  if (statSync(path).isFile()) return [path]
  return readdirSync(path).flatMap((entry) => listFiles(join(path, entry)))
}

/** Package names from a list file: one a line, '#' comments. */
export function readPackageList(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
}
