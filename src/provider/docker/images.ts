// Docker operations used to build images locally: no registry is involved.
import {createReadStream, createWriteStream} from 'node:fs'
import {PassThrough} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type Docker from 'dockerode'
import * as tar from 'tar'
import {CommandFailedError} from '../../errors/index.js'
import {followProgress} from './client.js'
import {isConflict, isNotFound} from './errors.js'

export interface RunToCompletion {
  image: string
  command: string[]
  entrypoint?: string[]
  env?: Record<string, string>
  /** volume name or host path → container path (":ro" suffix allowed) */
  binds?: string[]
  hostConfig?: Docker.HostConfig
  onLine?: (line: string) => void
  signal?: AbortSignal
}

export class DockerImages {
  constructor(private readonly docker: Docker) {}

  async exists(reference: string): Promise<boolean> {
    try {
      await this.docker.getImage(reference).inspect()
      return true
    } catch (error) {
      if (isNotFound(error)) return false
      throw error
    }
  }

  async labels(reference: string): Promise<Record<string, string>> {
    return (await this.docker.getImage(reference).inspect()).Config.Labels ?? {}
  }

  /** `docker import` of a root filesystem tarball. */
  async importRootfs(tarball: string, reference: string, changes: string[], labels: Record<string, string>): Promise<void> {
    const [repo, tag] = splitReference(reference)
    const labelChanges = Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`)
    const stream = await this.docker.importImage(createReadStream(tarball) as unknown as string, {repo, tag, changes: [...changes, ...labelChanges]} as object)
    await followProgress(this.docker, stream)
  }

  /** `docker build` of a directory holding a Dockerfile and its context. */
  async buildDirectory(directory: string, reference: string, labels: Record<string, string>, onLine?: (line: string) => void): Promise<void> {
    const context = tar.c({cwd: directory, portable: true, follow: false}, ['.'])
    const stream = await this.docker.buildImage(context as unknown as NodeJS.ReadableStream, {t: reference, labels, rm: true, forcerm: true, nocache: false})
    await followProgress(this.docker, stream, onLine)
  }

  /** `docker save` of several images into one archive (shared layers once). */
  async save(references: string[], file: string): Promise<void> {
    const docker = this.docker as unknown as {getImages(options: {names: string[]}): Promise<NodeJS.ReadableStream>}
    const stream = await docker.getImages({names: references})
    await pipeline(stream, createWriteStream(file))
  }

  async tag(source: string, reference: string): Promise<void> {
    const [repo, tag] = splitReference(reference)
    await this.docker.getImage(source).tag({repo, tag})
  }

  async untag(reference: string): Promise<void> {
    await this.docker
      .getImage(reference)
      .remove({noprune: true})
      .catch((error) => {
        // Gone already, or still needed by another image: either way nothing to undo.
        if (!isNotFound(error) && !isConflict(error)) throw error
      })
  }

  /**
   * Runs a container until it exits; fails with the tail of its output when it
   * exits non-zero. With `commitAs`, its filesystem then becomes a new image.
   */
  async runToCompletion(run: RunToCompletion, commitAs?: {reference: string; changes: string[]}): Promise<void> {
    const container = await this.docker.createContainer({
      Image: run.image,
      Cmd: run.command,
      Entrypoint: run.entrypoint,
      Env: Object.entries(run.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: {'io.kcluster.kind': 'builder'},
      HostConfig: {...run.hostConfig, Binds: run.binds},
    })
    const tail: string[] = []
    const onAbort = () => void container.kill().catch(() => {})
    run.signal?.addEventListener('abort', onAbort, {once: true})
    try {
      const logs = await container.attach({stream: true, stdout: true, stderr: true})
      let pending = ''
      const onData = (chunk: Buffer) => {
        pending += chunk.toString('utf8')
        const lines = pending.split('\n')
        pending = lines.pop() ?? ''
        for (const line of lines) {
          tail.push(line)
          if (tail.length > 60) tail.shift()
          run.onLine?.(line)
        }
      }
      const sink = new PassThrough()
      sink.on('data', onData)
      this.docker.modem.demuxStream(logs, sink, sink)
      await container.start()
      const result = (await container.wait()) as {StatusCode: number}
      run.signal?.throwIfAborted()
      if (result.StatusCode !== 0) {
        throw new CommandFailedError([...(run.entrypoint ?? []), ...run.command], result.StatusCode, tail.join('\n'), {container: container.id.slice(0, 12), description: `a build container of ${run.image}`})
      }
      if (commitAs) {
        const [repo, tag] = splitReference(commitAs.reference)
        await container.commit({repo, tag, changes: commitAs.changes})
      }
    } finally {
      run.signal?.removeEventListener('abort', onAbort)
      await container.remove({force: true, v: true}).catch(() => {})
    }
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    try {
      await this.docker.getVolume(name).inspect()
    } catch (error) {
      if (!isNotFound(error)) throw error
      await this.docker.createVolume({Name: name, Labels: labels})
    }
  }
}

export function splitReference(reference: string): [string, string] {
  const slash = reference.lastIndexOf('/')
  const colon = reference.lastIndexOf(':')
  if (colon > slash) return [reference.slice(0, colon), reference.slice(colon + 1)]
  return [reference, 'latest']
}
