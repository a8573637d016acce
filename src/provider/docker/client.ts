// The one place a Docker connection is made, so "engine not running" becomes
// a typed error with a remedy everywhere.
// First: it defers the parts of dockerode that a command seldom uses.
import './deferred-modules.js'
import Docker from 'dockerode'
import {DockerUnreachableError} from '../../errors/index.js'

export function connectDocker(): Docker {
  // dockerode reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself.
  return new Docker()
}

export async function pingDocker(docker: Docker): Promise<void> {
  try {
    await docker.ping()
  } catch (error) {
    throw new DockerUnreachableError(String((error as Error).message ?? error))
  }
}

/** Waits for a dockerode progress stream (build, import, pull) and fails on an error message inside it. */
export async function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: {error?: string; errorDetail?: {message?: string}}[]) => {
        if (error) return reject(error)
        const failed = output.find((o) => o.error || o.errorDetail)
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error))
        resolve()
      },
      (event: {stream?: string; status?: string}) => {
        const line = (event.stream ?? event.status ?? '').trim()
        if (line && onLine) onLine(line)
      },
    )
  })
}
