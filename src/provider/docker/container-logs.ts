// `docker logs` for containers of a cluster. A container without a TTY gets
// its two streams multiplexed into frames; one with a TTY (the nodes) gets raw text.
import type Docker from 'dockerode'
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
