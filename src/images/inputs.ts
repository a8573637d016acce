// Content hashes of everything an image is built from, so an image tag names
// its inputs and an unchanged rebuild is skipped.
import {createHash} from 'node:crypto'
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'

export function hashFiles(root: string, paths: string[], extra: string[] = []): string {
  const hash = createHash('sha256')
  for (const item of extra) hash.update(`extra:${item}\n`)
  for (const file of paths.flatMap((p) => listFiles(join(root, p))).sort()) {
    hash.update(`file:${relative(root, file)}\n`)
    hash.update(readFileSync(file))
  }
  return hash.digest('hex').slice(0, 12)
}

function listFiles(path: string): string[] {
  const stat = statSync(path)
  if (stat.isFile()) return [path]
  return readdirSync(path).flatMap((entry) => listFiles(join(path, entry)))
}

/** Package names from a list file: one a line, '#' comments. */
export function readPackageList(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
}
