// Where kcluster finds its own files (images/, templates/) and keeps caches.
import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The package root: the nearest folder above this file holding images/ and templates/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'images')) && existsSync(join(dir, 'templates'))) return dir
    dir = dirname(dir)
  }
  throw new Error('kcluster installation is incomplete: images/ and templates/ not found')
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KCLUSTER_CACHE_DIR) return resolve(env.KCLUSTER_CACHE_DIR)
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'kcluster')
}
