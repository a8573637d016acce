// Docker operations used to build images locally: no registry is involved.
// Failures leave here classified: a build step that failed is a
// CommandFailedError naming its recipe, an engine refusal a Docker error.
import {createReadStream, createWriteStream} from 'node:fs'
import {PassThrough} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type Docker from 'dockerode'
import * as tar from 'tar'
import {CommandFailedError, DockerOperationError, KclusterError} from '../../errors/index.js'
import {RECIPE_LABEL, type ContainerRun, type ImageBuilder, type ImageInfo, type ImageOutput} from '../image-builder.js'
import {followProgress} from './client.js'
import {classifyDockerError, dockerCall, isNotFound} from './errors.js'
import {restrictedHostConfig} from './container-spec.js'

const TAIL_LINES = 60

export class DockerImages implements ImageBuilder {
  constructor(private readonly docker: Docker) {}

  async inspect(reference: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.docker.getImage(reference).inspect()
      return {id: info.Id, labels: info.Config?.Labels ?? {}, diffIds: info.RootFS?.Layers ?? [], repoTags: info.RepoTags ?? []}
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw classifyDockerError(error, `inspect image ${reference}`)
    }
  }

  async exists(reference: string): Promise<boolean> {
    return (await this.inspect(reference)) !== undefined
  }

  async importRootfs(tarball: string, output: ImageOutput & {changes: string[]}, signal?: AbortSignal): Promise<void> {
    await this.importStream(createReadStream(tarball), output, output.changes, signal)
  }

  async buildDirectory(directory: string, output: ImageOutput, onLine?: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const context = tar.c({cwd: directory, portable: true, follow: false}, ['.'])
    const tail = new Tail()
    const action = `build image ${output.reference}`
    try {
      const stream = await this.docker.buildImage(context as unknown as NodeJS.ReadableStream, {t: output.reference, labels: output.labels, rm: true, forcerm: true, abortSignal: signal} as Docker.ImageBuildOptions)
      await followProgress(this.docker, stream, (line) => {
        tail.push(line)
        onLine?.(line)
      })
    } catch (error) {
      signal?.throwIfAborted()
      if (error instanceof KclusterError || (error as {statusCode?: number}).statusCode !== undefined) throw classifyDockerError(error, action)
      throw buildFailure(error, output, tail.text())
    }
  }

  async runToCompletion(run: ContainerRun, output: {commitAs?: ImageOutput & {changes: string[]}; exportDirectory?: ImageOutput & {path: string}} = {}): Promise<void> {
    const recipe = run.labels?.[RECIPE_LABEL]
    const container = await dockerCall(`create a container of ${run.image}`, () =>
      this.docker.createContainer({
        Image: run.image,
        Cmd: run.command,
        Entrypoint: run.entrypoint,
        Env: Object.entries(run.env ?? {}).map(([k, v]) => `${k}=${v}`),
        Labels: {'io.kcluster.kind': 'builder', ...run.labels},
        HostConfig: {...(run.nodePowers ? restrictedHostConfig() : {}), Binds: run.binds, Tmpfs: run.tmpfs},
      }),
    )
    const tail = new Tail()
    const onAbort = () => void container.kill().catch(() => {})
    run.signal?.addEventListener('abort', onAbort, {once: true})
    try {
      const logs = await dockerCall('attach to a build container', () => container.attach({stream: true, stdout: true, stderr: true}))
      const sink = new PassThrough()
      let pending = ''
      sink.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split('\n')
        pending = lines.pop() ?? ''
        for (const line of lines) {
          tail.push(line)
          run.onLine?.(line)
        }
      })
      this.docker.modem.demuxStream(logs, sink, sink)
      await dockerCall(`start a container of ${run.image}`, () => container.start())
      const result = (await dockerCall('wait for a build container', () => container.wait())) as {StatusCode: number}
      run.signal?.throwIfAborted()
      if (result.StatusCode !== 0) {
        const description = recipe ? `the build container of recipe "${recipe}" (${run.image})` : `a build container of ${run.image}`
        throw new CommandFailedError([...(run.entrypoint ?? []), ...run.command], result.StatusCode, tail.text(), {container: container.id.slice(0, 12), description})
      }
      if (output.commitAs) {
        const {reference, changes, labels} = output.commitAs
        const [repo, tag] = splitReference(reference)
        // The container's own labels (kind=builder) would pass to the image: say what it is instead.
        await dockerCall(`commit ${reference}`, () => container.commit({repo, tag, changes: [...changes, ...labelChanges({'io.kcluster.kind': 'image', ...labels})]}))
      }
      if (output.exportDirectory) {
        // "<dir>/." makes the archive hold the directory's contents, not the directory.
        const archive = await dockerCall(`read ${output.exportDirectory.path} of a build container`, () => container.getArchive({path: `${output.exportDirectory!.path}/.`}))
        await this.importStream(archive, output.exportDirectory, [], run.signal)
      }
    } finally {
      run.signal?.removeEventListener('abort', onAbort)
      await container.remove({force: true, v: true}).catch(() => {})
    }
  }

  async tag(source: string, reference: string): Promise<void> {
    const [repo, tag] = splitReference(reference)
    await dockerCall(`tag ${source} as ${reference}`, () => this.docker.getImage(source).tag({repo, tag}))
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    try {
      await this.docker.getVolume(name).inspect()
    } catch (error) {
      if (!isNotFound(error)) throw classifyDockerError(error, `inspect volume ${name}`)
      await dockerCall(`create volume ${name}`, () => this.docker.createVolume({Name: name, Labels: labels}))
    }
  }

  /** `docker save` of several images into one archive (shared layers once). */
  async save(references: string[], file: string, signal?: AbortSignal): Promise<void> {
    await pipeline(await this.saveStream(references), createWriteStream(file), {signal})
  }

  async saveStream(references: string[]): Promise<NodeJS.ReadableStream> {
    const docker = this.docker as unknown as {getImages(options: {names: string[]}): Promise<NodeJS.ReadableStream>}
    return dockerCall(`save ${references.join(', ')}`, () => docker.getImages({names: references}))
  }

  async readFile(reference: string, path: string): Promise<Buffer> {
    // A container that is created but never started exposes the image's files.
    const container = await dockerCall(`create a container of ${reference}`, () =>
      this.docker.createContainer({Image: reference, Cmd: ['/nonexistent'], Labels: {'io.kcluster.kind': 'builder'}}),
    )
    try {
      const archive = await dockerCall(`read ${path} from ${reference}`, () => container.getArchive({path}))
      const chunks: Buffer[] = []
      await pipeline(archive, tar.t({onReadEntry: (entry) => entry.on('data', (chunk: Buffer) => chunks.push(chunk))}))
      return Buffer.concat(chunks)
    } finally {
      await container.remove({force: true}).catch(() => {})
    }
  }

  private async importStream(source: NodeJS.ReadableStream, output: ImageOutput, changes: string[], signal?: AbortSignal): Promise<void> {
    const [repo, tag] = splitReference(output.reference)
    const action = `import ${output.reference}`
    const stream = await dockerCall(action, () =>
      this.docker.importImage(source as unknown as string, {repo, tag, changes: [...changes, ...labelChanges(output.labels)], abortSignal: signal} as object),
    )
    try {
      await followProgress(this.docker, stream)
    } catch (error) {
      signal?.throwIfAborted()
      throw new DockerOperationError(action, (error as Error).message)
    }
  }
}

/** Labels as Dockerfile instructions; values are quoted, so JSON and spaces survive. */
function labelChanges(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([key, value]) => `LABEL ${key}=${JSON.stringify(value)}`)
}

/** A failed `docker build`: the RUN instruction that failed, if one did, with the build's last lines. */
function buildFailure(error: unknown, output: ImageOutput, tail: string): CommandFailedError {
  const message = String((error as Error)?.message ?? error)
  const failedRun = /The command '(.*)' returned a non-zero code: (\d+)/s.exec(message)
  const command = failedRun ? ['/bin/sh', '-c', failedRun[1]!.replace(/^\/bin\/sh -c /, '')] : ['docker', 'build', '--tag', output.reference, '.']
  const container = /Running in ([0-9a-f]{12})/.exec(tail.split('\n').reverse().find((line) => line.includes('Running in')) ?? '')?.[1]
  const recipe = output.labels[RECIPE_LABEL] ?? output.reference
  return new CommandFailedError(command, failedRun ? Number(failedRun[2]) : 1, `${tail}\n${message}`, {
    container: container ?? output.reference,
    description: `the docker build of recipe "${recipe}" (${output.reference})`,
  })
}

/** The last lines of a build's output: where its failure is. */
class Tail {
  private readonly lines: string[] = []
  push(line: string): void {
    this.lines.push(line)
    if (this.lines.length > TAIL_LINES) this.lines.shift()
  }
  text(): string {
    return this.lines.join('\n')
  }
}

export function splitReference(reference: string): [string, string] {
  const slash = reference.lastIndexOf('/')
  const colon = reference.lastIndexOf(':')
  if (colon > slash) return [reference.slice(0, colon), reference.slice(colon + 1)]
  return [reference, 'latest']
}
