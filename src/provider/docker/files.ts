// Copies a file into a container through the archive API (no shell quoting).
import {posix} from 'node:path'
import {Readable} from 'node:stream'
import type Docker from 'dockerode'
import {isNotFound} from './errors.js'
import {tarOfOneFile} from './tar-entry.js'

/** `makeDirectory` runs only when the target directory is missing, keeping the common case to one API call. */
export async function writeFileInContainer(
  docker: Docker,
  containerId: string,
  path: string,
  content: string | Buffer,
  mode: number,
  makeDirectory: (directory: string) => Promise<unknown>,
): Promise<void> {
  const archive = tarOfOneFile(posix.basename(path), Buffer.from(content), mode)
  const put = () => docker.getContainer(containerId).putArchive(Readable.from([archive]), {path: posix.dirname(path)})
  try {
    await put()
  } catch (error) {
    if (!isNotFound(error)) throw error
    await makeDirectory(posix.dirname(path))
    await put()
  }
}
