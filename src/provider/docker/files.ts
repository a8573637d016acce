// Copies a file into a container through the archive API (no shell quoting).
import {posix} from 'node:path'
import {Readable} from 'node:stream'
import type Docker from 'dockerode'
import {tarOfOneFile} from './tar-entry.js'

export async function writeFileInContainer(docker: Docker, containerId: string, path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const archive = tarOfOneFile(posix.basename(path), Buffer.from(content), mode)
  await docker.getContainer(containerId).putArchive(Readable.from([archive]), {path: posix.dirname(path)})
}
