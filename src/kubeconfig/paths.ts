import os from 'node:os'
import path from 'node:path'

/** Same precedence kubectl uses for writing: the explicit flag, else the first $KUBECONFIG entry, else ~/.kube/config. */
export function resolveKubeconfigPath(explicit?: string, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (explicit) return explicit
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((entry) => entry.trim() !== '')
  if (first) return first
  return path.join(home, '.kube', 'config')
}
