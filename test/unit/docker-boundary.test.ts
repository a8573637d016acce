// The edge to Docker: errors classified by whose fault they are, and exec's
// behaviour on interrupts, stopped containers and streamed input.
import assert from 'node:assert/strict'
import {Duplex, Readable} from 'node:stream'
import {describe, test} from 'node:test'
import type Docker from 'dockerode'
import {DockerOperationError, DockerUnreachableError, ExitCode, InternalError, InterruptedError, InvalidInputError, NodeNotRunningError, toKclusterError} from '../../src/errors/index.js'
import {classifyDockerError, dockerMessage} from '../../src/provider/docker/errors.js'
import {execInContainer} from '../../src/provider/docker/exec.js'
import {clusterState} from '../../src/provider/docker/docker-provider.js'

/** What dockerode throws when the engine answers with an error status. */
function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), {statusCode, json: {message}})
}

describe('classifyDockerError', () => {
  test('no engine at the socket: DOCKER_UNREACHABLE', () => {
    const error = classifyDockerError(Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {code: 'ECONNREFUSED'}), 'list clusters')
    assert.ok(error instanceof DockerUnreachableError)
  })
  test('a socket we may not open names the docker group', () => {
    const error = classifyDockerError(Object.assign(new Error('connect EACCES /var/run/docker.sock'), {code: 'EACCES'}), 'list clusters')
    assert.ok(error instanceof DockerUnreachableError)
    assert.match(error.message, /docker group/)
  })
  test('a host port someone else holds is the user’s to change, named with its address', () => {
    const error = classifyDockerError(engineError(500, 'driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:6443 failed: port is already allocated'), 'start the node container')
    assert.ok(error instanceof InvalidInputError)
    assert.match(error.message, /127\.0\.0\.1:6443 is already in use/)
  })
  test('a conflict or engine failure is Docker’s, with the engine’s own words', () => {
    const error = classifyDockerError(engineError(409, 'Container abc is not running'), 'run a command in node dev-control-plane')
    assert.ok(error instanceof DockerOperationError)
    assert.equal(error.exitCode, ExitCode.DOCKER_FAILED)
    assert.equal(error.message, 'Docker could not run a command in node dev-control-plane: Container abc is not running')
  })
  test('a request the engine calls malformed is our bug', () => {
    assert.ok(classifyDockerError(engineError(400, 'invalid mount config'), 'create the node container') instanceof InternalError)
  })
  test('a plain exception is not mistaken for the engine', () => {
    assert.ok(classifyDockerError(new TypeError('x is undefined'), 'list clusters') instanceof InternalError)
  })
  test('dockerMessage strips the dockerode wrapper', () => {
    assert.equal(dockerMessage(new Error('(HTTP code 404) no such container - No such container: x')), 'No such container: x')
  })
})

/** A stand-in for dockerode's exec plumbing: a hijacked duplex stream and an exit code. */
function fakeDocker(options: {exitCode?: number; execError?: Error; state?: Partial<Docker.ContainerInspectInfo['State']>; received?: Buffer[]} = {}) {
  const calls = {exec: 0}
  // The hijacked connection: what is written goes to the command's stdin, what is pushed is its output.
  const duplex = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      options.received?.push(chunk)
      callback()
    },
    read() {},
  })
  const docker = {
    getContainer: () => ({
      exec: async () => {
        calls.exec++
        if (options.execError) throw options.execError
        return {start: async () => duplex, inspect: async () => ({ExitCode: options.exitCode ?? 0})}
      },
      inspect: async () => ({State: {Running: false, Paused: false, Status: 'exited', ExitCode: 137, OOMKilled: true, Error: '', ...options.state}}),
    }),
    modem: {demuxStream: (source: NodeJS.ReadableStream, out: NodeJS.WritableStream) => source.pipe(out)},
  } as unknown as Docker
  return {docker, calls, stream: duplex}
}

const target = {containerId: 'abc', containerName: 'kcluster.dev.control-plane', description: 'node dev-control-plane'}

describe('execInContainer', () => {
  test('an already interrupted run starts no command', async () => {
    const {docker, calls} = fakeDocker()
    const controller = new AbortController()
    controller.abort(new InterruptedError())
    await assert.rejects(execInContainer(docker, target, ['kubeadm', 'init'], {signal: controller.signal}), InterruptedError)
    assert.equal(calls.exec, 0)
  })

  test('Ctrl-C while a command runs is an interrupt (exit 130), not a bug', async () => {
    const {docker} = fakeDocker()
    const controller = new AbortController()
    const running = execInContainer(docker, target, ['kubeadm', 'init'], {signal: controller.signal})
    setTimeout(() => controller.abort(new InterruptedError()), 20)
    const error = await running.catch((e) => e)
    assert.equal(toKclusterError(error).exitCode, ExitCode.INTERRUPTED)
  })

  test('a stopped node container is named with its state', async () => {
    const {docker} = fakeDocker({execError: engineError(409, 'Container abc is not running')})
    await assert.rejects(
      execInContainer(docker, target, ['ctr', 'version']),
      (error: unknown) => error instanceof NodeNotRunningError && error.message === 'node container kcluster.dev.control-plane is not running (exited, exit code 137, killed for lack of memory)',
    )
  })

  test('input given as a stream reaches the command whole, and the output comes back', async () => {
    const received: Buffer[] = []
    const {docker, stream} = fakeDocker({received})
    const chunks = Array.from({length: 50}, (_, i) => Buffer.alloc(64 * 1024, i))
    const running = execInContainer(docker, target, ['ctr', 'images', 'import', '-'], {stdin: Readable.from(chunks)})
    setTimeout(() => {
      stream.push('unpacking done\n')
      stream.push(null)
    }, 50)
    const result = await running
    assert.equal(Buffer.concat(received).length, 50 * 64 * 1024)
    assert.equal(result.stdout, 'unpacking done\n')
  })
})

/** Each exec answers with the next of `answers` (its output, its exit code); calls counts the execs made. */
function scriptedDocker(answers: {output: string; exitCode: number}[]) {
  const calls = {exec: 0}
  const docker = {
    getContainer: () => ({
      exec: async () => {
        const answer = answers[Math.min(calls.exec++, answers.length - 1)]!
        const stream = new Duplex({write: (_chunk, _encoding, callback) => callback(), read() {}})
        return {
          start: async () => {
            setImmediate(() => {
              stream.push(answer.output)
              stream.push(null)
            })
            return stream
          },
          inspect: async () => ({ExitCode: answer.exitCode}),
        }
      },
    }),
    modem: {demuxStream: (source: NodeJS.ReadableStream, out: NodeJS.WritableStream) => source.pipe(out)},
  } as unknown as Docker
  return {docker, calls}
}

const RUNC_REFUSED = 'OCI runtime exec failed: exec failed: unable to start container process: error executing setns process: exit status 1: unknown\r\n'

describe('execInContainer when runc cannot enter the container', () => {
  test('the command, never started, is run again and its own result returned', async () => {
    const {docker, calls} = scriptedDocker([{output: RUNC_REFUSED, exitCode: 126}, {output: 'made\n', exitCode: 0}])
    const result = await execInContainer(docker, target, ['mkdir', '-p', '/etc/kcluster'])
    assert.equal(calls.exec, 2)
    assert.deepEqual(result, {stdout: 'made\n', stderr: '', exitCode: 0})
  })

  test('five refusals in a row fail with runc’s words', async () => {
    const {docker, calls} = scriptedDocker([{output: RUNC_REFUSED, exitCode: 126}])
    await assert.rejects(execInContainer(docker, target, ['true']), (error: unknown) => error instanceof Error && /setns process/.test(error.message + JSON.stringify(error)))
    assert.equal(calls.exec, 5)
  })

  test('exit 126 of the command itself is its result, not tried again', async () => {
    const {docker, calls} = scriptedDocker([{output: 'sh: ./x: Permission denied\n', exitCode: 126}])
    const result = await execInContainer(docker, target, ['sh', '-c', './x'], {allowFailure: true})
    assert.equal(calls.exec, 1)
    assert.equal(result.exitCode, 126)
  })

  test('input given as a stream is not sent twice', async () => {
    const {docker, calls} = scriptedDocker([{output: RUNC_REFUSED, exitCode: 126}, {output: '', exitCode: 0}])
    const result = await execInContainer(docker, target, ['ctr', 'images', 'import', '-'], {stdin: Readable.from([Buffer.from('layer')]), allowFailure: true})
    assert.equal(calls.exec, 1)
    assert.equal(result.exitCode, 126)
  })
})

describe('clusterState', () => {
  const table: [boolean, string[], string][] = [
    [true, ['running'], 'incomplete'],
    [false, [], 'incomplete'],
    [false, ['running', 'running'], 'running'],
    [false, ['exited', 'exited'], 'stopped'],
    [false, ['running', 'exited'], 'degraded'],
  ]
  for (const [claimed, states, expected] of table) test(`${claimed ? 'claimed, ' : ''}${states.join('+') || 'no nodes'} → ${expected}`, () => assert.equal(clusterState(claimed, states), expected))
})
