import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {
  ClusterExistsError,
  ClusterMissingError,
  CommandFailedError,
  DockerUnreachableError,
  ExitCode,
  HostNotReadyError,
  InternalError,
  InterruptedError,
  InvalidInputError,
  KclusterError,
  shellQuote,
  TimeoutError,
  toKclusterError,
  UsageError,
} from '../../src/errors/index.js'

const cases: {error: KclusterError; name: string; code: string; exitCode: number; remedy: boolean}[] = [
  {error: new UsageError('unknown flag --nmae'), name: 'UsageError', code: 'USAGE', exitCode: 2, remedy: true},
  {error: new InvalidInputError([{field: 'name', message: 'bad'}]), name: 'InvalidInputError', code: 'INVALID_INPUT', exitCode: 3, remedy: true},
  {error: new DockerUnreachableError('connect ENOENT /var/run/docker.sock'), name: 'DockerUnreachableError', code: 'DOCKER_UNREACHABLE', exitCode: 4, remedy: true},
  {error: new ClusterMissingError('dev'), name: 'ClusterMissingError', code: 'CLUSTER_MISSING', exitCode: 5, remedy: true},
  {error: new ClusterExistsError('dev'), name: 'ClusterExistsError', code: 'CLUSTER_EXISTS', exitCode: 6, remedy: true},
  {error: new TimeoutError('node to be Ready', 300_000), name: 'TimeoutError', code: 'TIMEOUT', exitCode: 7, remedy: true},
  {error: new CommandFailedError(['kubeadm', 'init'], 1, 'boom'), name: 'CommandFailedError', code: 'COMMAND_FAILED', exitCode: 8, remedy: true},
  {error: new HostNotReadyError([{id: 'inotify', summary: 'fs.inotify.max_user_instances is 64', fix: 'sudo sysctl -w fs.inotify.max_user_instances=512'}]), name: 'HostNotReadyError', code: 'HOST_NOT_READY', exitCode: 14, remedy: true},
  {error: new InterruptedError(), name: 'InterruptedError', code: 'INTERRUPTED', exitCode: 130, remedy: false},
  {error: new InternalError('oops', new Error('inner')), name: 'InternalError', code: 'INTERNAL', exitCode: 1, remedy: true},
]

describe('error classes', () => {
  for (const c of cases) {
    test(`${c.name} → ${c.code} / exit ${c.exitCode} / JSON shape`, () => {
      assert.ok(c.error instanceof KclusterError)
      assert.ok(c.error instanceof Error)
      assert.equal(c.error.name, c.name)
      assert.equal(c.error.code, c.code)
      assert.equal(c.error.exitCode, c.exitCode)
      assert.equal(c.error.exitCode, ExitCode[c.error.code])
      const json = JSON.parse(JSON.stringify(c.error)) as Record<string, unknown>
      const expectedKeys = ['name', 'code', 'message', 'exitCode', ...(c.remedy ? ['remedy'] : []), ...(c.error.details ? ['details'] : [])]
      assert.deepEqual(Object.keys(json).sort(), expectedKeys.sort())
      assert.equal(json.name, c.name)
      assert.equal(json.code, c.code)
      assert.equal(json.exitCode, c.exitCode)
      assert.equal(json.message, c.error.message)
      assert.equal(typeof json.remedy === 'string', c.remedy)
    })
  }

  test('exit codes are the documented ones', () => {
    assert.deepEqual(ExitCode, {
      OK: 0, INTERNAL: 1, USAGE: 2, INVALID_INPUT: 3, DOCKER_UNREACHABLE: 4, CLUSTER_MISSING: 5, CLUSTER_EXISTS: 6, TIMEOUT: 7, COMMAND_FAILED: 8, DOCKER_FAILED: 9, HOST_NOT_READY: 14, INTERRUPTED: 130,
    })
  })

  test('InvalidInputError lists every problem', () => {
    const error = new InvalidInputError([
      {field: 'name', message: 'must be a DNS-1123 label'},
      {field: 'wait', message: 'must be 0 or more'},
    ])
    assert.equal(error.message, 'invalid configuration: name: must be a DNS-1123 label; wait: must be 0 or more')
    assert.equal(error.problems.length, 2)
    assert.deepEqual(error.details, {problems: error.problems})
  })

  test('TimeoutError formats the duration Go-style', () => {
    assert.equal(new TimeoutError('node kcluster-control-plane to be Ready', 300_000).message, 'timed out after 5m0s waiting for node kcluster-control-plane to be Ready')
    assert.equal(new TimeoutError('dns', 90_000).message, 'timed out after 1m30s waiting for dns')
  })

  test('CommandFailedError has a pasteable command, the exit code, and keeps the output in details', () => {
    const error = new CommandFailedError(['kubeadm', 'init', '--config', '/kind/kubeadm conf.yaml', "it's"], 3, 'line 1\nline 2', {container: 'kcluster.dev.control-plane', description: 'node dev-control-plane'})
    assert.match(error.message, /exit code 3/)
    assert.match(error.message, /node dev-control-plane/)
    assert.ok(error.message.includes(`docker exec kcluster.dev.control-plane kubeadm init --config '/kind/kubeadm conf.yaml' 'it'\\''s'`), error.message)
    assert.equal(error.details?.output, 'line 1\nline 2')
    assert.equal(error.details?.commandExitCode, 3)
    assert.deepEqual(error.details?.command, ['kubeadm', 'init', '--config', '/kind/kubeadm conf.yaml', "it's"])
  })

  test('CommandFailedError keeps the tail of huge output', () => {
    const output = 'x'.repeat(200_000) + 'THE END'
    const kept = new CommandFailedError(['make'], 2, output).details?.output as string
    assert.ok(kept.length < 70_000)
    assert.ok(kept.endsWith('THE END'))
  })

  test('DockerUnreachableError says how to start dockerd or set DOCKER_HOST', () => {
    const error = new DockerUnreachableError('connect ENOENT')
    assert.match(error.remedy ?? '', /dockerd/)
    assert.match(error.remedy ?? '', /DOCKER_HOST/)
  })

  test('ClusterExistsError suggests deleting or --name', () => {
    const error = new ClusterExistsError('dev')
    assert.match(error.message, /"dev" already exists/)
    assert.match(error.remedy ?? '', /delete/)
    assert.match(error.remedy ?? '', /--name/)
  })
})

describe('toKclusterError', () => {
  test('passes KclusterErrors through unchanged', () => {
    const error = new ClusterMissingError('x')
    assert.equal(toKclusterError(error), error)
  })

  test('wraps other errors as InternalError', () => {
    const wrapped = toKclusterError(new TypeError('cannot read x of undefined'))
    assert.ok(wrapped instanceof InternalError)
    assert.equal(wrapped.exitCode, 1)
    assert.equal(wrapped.message, 'cannot read x of undefined')
    assert.match(String(wrapped.details?.cause), /TypeError/)
  })

  test('wraps non-errors', () => {
    const wrapped = toKclusterError('a string')
    assert.ok(wrapped instanceof InternalError)
    assert.match(wrapped.message, /a string/)
  })

  test('recognises AbortError as InterruptedError', () => {
    const controller = new AbortController()
    controller.abort()
    let thrown: unknown
    try {
      controller.signal.throwIfAborted()
    } catch (error) {
      thrown = error
    }
    assert.equal((thrown as Error).name, 'AbortError')
    const mapped = toKclusterError(thrown)
    assert.ok(mapped instanceof InterruptedError)
    assert.equal(mapped.exitCode, 130)
    const domAbort = new DOMException('This operation was aborted', 'AbortError')
    assert.ok(toKclusterError(domAbort) instanceof InterruptedError)
  })

  test('unwraps an InterruptedError carried as cause (execa cancelSignal)', () => {
    const reason = new InterruptedError()
    const execaLike = Object.assign(new Error('Command was canceled'), {isCanceled: true, cause: reason})
    assert.equal(toKclusterError(execaLike), reason)
  })
})

describe('shellQuote', () => {
  const table: [string[], string][] = [
    [['ls', '-la'], 'ls -la'],
    [['echo', 'hello world'], "echo 'hello world'"],
    [['echo', ''], "echo ''"],
    [['echo', "it's"], `echo 'it'\\''s'`],
    [['sh', '-c', 'a && b; $HOME'], "sh -c 'a && b; $HOME'"],
    [['docker', 'exec', 'kcluster-dev-control-plane', 'cat', '/etc/kubernetes/admin.conf'], 'docker exec kcluster-dev-control-plane cat /etc/kubernetes/admin.conf'],
    [['key=value', 'a,b', 'user@host:/p'], 'key=value a,b user@host:/p'],
    [['*'], "'*'"],
  ]
  for (const [args, expected] of table) {
    test(JSON.stringify(args), () => assert.equal(shellQuote(args), expected))
  }
})
