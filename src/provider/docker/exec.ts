// Runs a command in a container and reports its exit code and both streams.
import {PassThrough, Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {setTimeout as sleep} from 'node:timers/promises'
import type Docker from 'dockerode'
import {CommandFailedError, NodeNotRunningError} from '../../errors/index.js'
import type {ExecOptions, ExecResult} from '../types.js'
import {classifyDockerError, isConflict, isNotFound} from './errors.js'

export interface ExecTarget {
  containerId: string
  containerName: string
  /** How failures describe the container, e.g. "node dev-control-plane". */
  description: string
}

/**
 * runc could not enter the container, so the command never started (seen once in a full test run, on the first
 * exec into a node container started a moment before): it is run again, a few times, a moment later.
 */
const NOT_STARTED = /^OCI runtime exec failed: exec failed: unable to start container process/
const START_ATTEMPTS = 5

export async function execInContainer(docker: Docker, target: ExecTarget, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
  // Input given as a stream may be spent by the failed try: such a command is not run again.
  const repeatable = !(options.stdin instanceof Readable)
  for (let attempt = 1; ; attempt++) {
    const result = await execOnce(docker, target, command, options)
    const notStarted = result.exitCode === 126 && NOT_STARTED.test((result.stdout + result.stderr).trim())
    if (notStarted && repeatable && attempt < START_ATTEMPTS) {
      await sleep(100 * attempt)
      continue
    }
    if (result.exitCode !== 0 && !options.allowFailure) {
      throw new CommandFailedError(command, result.exitCode, (result.stdout + result.stderr).trim(), {container: target.containerName, description: target.description})
    }
    return result
  }
}

async function execOnce(docker: Docker, target: ExecTarget, command: string[], options: ExecOptions): Promise<ExecResult> {
  const {signal} = options
  // An interrupted create must not start one more command in a node.
  signal?.throwIfAborted()
  const container = docker.getContainer(target.containerId)
  const withStdin = options.stdin !== undefined
  let exec: Docker.Exec
  let stream: NodeJS.ReadWriteStream
  try {
    exec = await container.exec({Cmd: command, AttachStdout: true, AttachStderr: true, AttachStdin: withStdin})
    stream = (await exec.start({hijack: true, stdin: withStdin})) as NodeJS.ReadWriteStream
  } catch (error) {
    throw await explainExecFailure(docker, target, error)
  }
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  const outSink = new PassThrough()
  const errSink = new PassThrough()
  outSink.on('data', (chunk: Buffer) => stdout.push(chunk))
  errSink.on('data', (chunk: Buffer) => stderr.push(chunk))
  docker.modem.demuxStream(stream, outSink, errSink)
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', reject)
  })
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      ;(stream as unknown as {destroy(): void}).destroy()
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, {once: true})
  })
  aborted.catch(() => {})
  try {
    if (withStdin) {
      const input = options.stdin instanceof Readable ? options.stdin : Readable.from([options.stdin as string | Buffer])
      // Half-close after the input so the command sees its end but we still read its output.
      const sent = pipeline(input, stream as unknown as NodeJS.WritableStream)
      await Promise.race([sent, aborted])
    }
    await Promise.race([ended, aborted])
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
  let exitCode: number
  try {
    exitCode = (await exec.inspect()).ExitCode ?? -1
  } catch (error) {
    throw await explainExecFailure(docker, target, error)
  }
  return {stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), exitCode}
}

/** A stopped or removed node container is named with its state, so waits fail at once with the real cause. */
export async function explainExecFailure(docker: Docker, target: ExecTarget, error: unknown): Promise<Error> {
  if (!isConflict(error) && !isNotFound(error)) return classifyDockerError(error, `run a command in ${target.description}`)
  try {
    const {State} = await docker.getContainer(target.containerId).inspect()
    if (State.Running && !State.Paused) return classifyDockerError(error, `run a command in ${target.description}`)
    return new NodeNotRunningError(target.containerName, {status: State.Paused ? 'paused' : State.Status, exitCode: State.ExitCode, oomKilled: State.OOMKilled, error: State.Error})
  } catch (inspectError) {
    if (isNotFound(inspectError)) return new NodeNotRunningError(target.containerName, {status: 'removed'})
    return classifyDockerError(inspectError, `inspect ${target.description}`)
  }
}
