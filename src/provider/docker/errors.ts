// dockerode's errors are classified here, at the edge, by whose fault they are:
// the user's (a port or name they chose is taken), Docker's (the engine failed
// or refused), or ours (we sent a request the engine calls malformed). Nothing
// raw such as "(HTTP code 409) unexpected" reaches a user as an internal bug.
import {DockerOperationError, DockerUnreachableError, InternalError, InvalidInputError, KclusterError} from '../../errors/index.js'

interface DockerodeError {
  statusCode?: number
  reason?: string
  json?: {message?: string} | string | null
  message?: string
  code?: string
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT'])

export function isNotFound(error: unknown): boolean {
  return (error as DockerodeError)?.statusCode === 404
}

export function isConflict(error: unknown): boolean {
  return (error as DockerodeError)?.statusCode === 409
}

/** The engine's own words, without dockerode's "(HTTP code N) unexpected -" wrapper. */
export function dockerMessage(error: unknown): string {
  const e = error as DockerodeError
  if (e?.json && typeof e.json === 'object' && typeof e.json.message === 'string') return e.json.message.trim()
  if (typeof e?.json === 'string' && e.json.trim() !== '') return e.json.trim()
  const message = String(e?.message ?? error)
  return message.replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '').trim()
}

/** A host port the engine could not publish because something else holds it. */
export function takenHostPort(error: unknown): string | undefined {
  const message = dockerMessage(error)
  if (!/port is already allocated|address already in use/i.test(message)) return undefined
  return message.match(/(?:0\.0\.0\.0|\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):(\d+)/i)?.[0] ?? message.match(/:(\d+)/)?.[1] ?? 'a requested port'
}

/** Turns whatever dockerode threw while doing `action` into a KclusterError that says whose fault it is. */
export function classifyDockerError(error: unknown, action: string): KclusterError {
  if (error instanceof KclusterError) return error
  const e = error as DockerodeError
  if (e?.code && UNREACHABLE_CODES.has(e.code) && e.statusCode === undefined) {
    const hint = e.code === 'EACCES' || e.code === 'EPERM' ? ' (permission denied: add your user to the docker group or use sudo)' : ''
    return new DockerUnreachableError(`${String(e.message ?? e.code)}${hint}`)
  }
  const status = e?.statusCode
  if (typeof status !== 'number') {
    // Not an answer of the engine: a bug of ours or of a library.
    return new InternalError(`${action}: ${String(e?.message ?? error)}`, error)
  }
  const message = dockerMessage(error)
  const port = takenHostPort(error)
  if (port) {
    return new InvalidInputError([{field: 'port', message: `host port ${port} is already in use by another program or container; choose another port or stop what holds it (\`ss -ltnp\` or \`docker ps\` shows it)`}])
  }
  if (status === 400) return new InternalError(`Docker rejected our request to ${action}: ${message}`, error)
  return new DockerOperationError(action, message, {statusCode: status})
}

/** Runs one Docker call and classifies its failure. */
export async function dockerCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw classifyDockerError(error, action)
  }
}
