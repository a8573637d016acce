// What the engine keeps of a container, running or stopped: `docker logs`
// and `docker cp`. A container without a TTY gets its two streams multiplexed
// into frames; one with a TTY (the nodes) gets raw text.
import {pipeline} from 'node:stream/promises'
import type Docker from 'dockerode'
import * as tar from 'tar'
import {dockerCall} from './errors.js'

const FRAME_HEADER = 8

/**
 * Joins the payloads of Docker's multiplexed log frames (1 byte stream, 3
 * padding, 4 bytes big-endian length, then the payload), in the order written.
 * A truncated last frame keeps what arrived.
 */
export function demultiplexLogs(buffer: Buffer): Buffer {
  const parts: Buffer[] = []
  let offset = 0
  while (offset + FRAME_HEADER <= buffer.length) {
    const length = buffer.readUInt32BE(offset + 4)
    const start = offset + FRAME_HEADER
    parts.push(buffer.subarray(start, Math.min(start + length, buffer.length)))
    offset = start + length
  }
  return Buffer.concat(parts)
}

export async function readContainerLogs(docker: Docker, containerName: string): Promise<string> {
  return dockerCall(`read the logs of ${containerName}`, async () => {
    const container = docker.getContainer(containerName)
    const info = await container.inspect()
    const raw = (await container.logs({stdout: true, stderr: true, timestamps: true, follow: false})) as unknown as Buffer
    return (info.Config.Tty ? raw : demultiplexLogs(raw)).toString('utf8')
  })
}

/** One file of a container, through the engine's archive of it, so a stopped container answers too. */
export async function readContainerFile(docker: Docker, containerName: string, path: string): Promise<Buffer> {
  return dockerCall(`read ${path} from ${containerName}`, async () => {
    const archive = await docker.getContainer(containerName).getArchive({path})
    const chunks: Buffer[] = []
    await pipeline(archive, tar.t({onReadEntry: (entry) => entry.on('data', (chunk: Buffer) => chunks.push(chunk))}))
    return Buffer.concat(chunks)
  })
}
