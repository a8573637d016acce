// Runs a command in a container and reports its exit code and both streams.
import {PassThrough} from 'node:stream'
import type Docker from 'dockerode'
import {CommandFailedError} from '../../errors/index.js'
import type {ExecOptions, ExecResult} from '../types.js'

export async function execInContainer(docker: Docker, containerId: string, where: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const container = docker.getContainer(containerId)
  const exec = await container.exec({
    Cmd: command,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: options.stdin !== undefined,
    Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
  })
  const stream = await exec.start({hijack: true, stdin: options.stdin !== undefined})
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
  const onAbort = () => stream.destroy(new Error('aborted'))
  options.signal?.addEventListener('abort', onAbort, {once: true})
  try {
    if (options.stdin !== undefined) {
      stream.write(options.stdin)
      // Half-close so the command sees end of input but we still read its output.
      ;(stream as unknown as {end(): void}).end()
    }
    await ended
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  options.signal?.throwIfAborted()
  const info = await exec.inspect()
  const result: ExecResult = {
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    exitCode: info.ExitCode ?? -1,
  }
  if (result.exitCode !== 0 && !options.allowFailure) {
    throw new CommandFailedError(command, result.exitCode, (result.stdout + result.stderr).trim(), {container: where})
  }
  return result
}
