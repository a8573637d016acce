// The architecture as a test: which folder may import which. Dependencies
// point down only, Docker is reached through src/provider/docker alone, and
// only the CLI knows oclif and listr2.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {test} from 'node:test'
import {packageRoot} from '../../src/images/paths.js'

const SRC = join(packageRoot(), 'src')

/** Folder (under src) → the folders and packages it may import. */
const ALLOWED: Record<string, string[]> = {
  errors: ['config'],
  progress: [],
  contracts: ['errors', 'progress'],
  files: ['errors', 'tar'],
  config: ['errors', 'kubeconfig', 'js-yaml'],
  kubeconfig: ['errors', 'files', 'js-yaml'],
  plan: ['config', 'errors'],
  provider: ['config', 'errors'],
  'provider/docker': ['config', 'errors', 'provider', 'dockerode', 'tar'],
  images: ['config', 'errors', 'files', 'progress', 'provider', 'execa', 'tar'],
  // Lifecycle hooks: user commands run on this machine, the one process lifecycle starts outside a node.
  hooks: ['config', 'errors', 'progress'],
  // Addons read the plan's address layout (the load-balancer pool lies where the plan puts no one).
  addons: ['config', 'errors', 'images', 'plan', 'provider', 'js-yaml'],
  lifecycle: ['addons', 'config', 'errors', 'files', 'hooks', 'images', 'kubeconfig', 'plan', 'progress', 'provider', 'js-yaml'],
  // The library's calls: the lifecycle with defaults, so the one other place that may name the Docker provider.
  api: ['config', 'errors', 'hooks', 'lifecycle', 'progress', 'provider', 'provider/docker'],
  cli: ['config', 'errors', 'lifecycle', 'progress', 'provider', 'provider/docker', '@oclif/core', 'listr2'],
  commands: ['addons', 'cli', 'config', 'errors', 'lifecycle', 'provider', '@oclif/core'],
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** The folder key a file belongs to: the longest key that contains it. */
function layerOf(file: string): string | undefined {
  const rel = relative(SRC, dirname(file)).split('/')
  for (let n = rel.length; n > 0; n--) {
    const key = rel.slice(0, n).join('/')
    if (key in ALLOWED) return key
  }
  return undefined
}

test('every import stays within what its layer may use', () => {
  const violations: string[] = []
  for (const file of sourceFiles(SRC)) {
    const layer = layerOf(file)
    // src/index.ts is the library's composition root: it may name everything.
    if (layer === undefined) continue
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
      const target = match[1]!
      if (target.startsWith('node:')) continue
      const used = target.startsWith('.') ? layerOf(resolve(dirname(file), target)) : target.split('/').slice(0, target.startsWith('@') ? 2 : 1).join('/')
      if (used === layer || used === undefined) continue
      if (!ALLOWED[layer]!.includes(used)) violations.push(`${relative(SRC, file)} imports ${target} (${used})`)
    }
  }
  assert.deepEqual(violations, [])
})
