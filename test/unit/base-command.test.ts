import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {Args, Config, Errors, Flags} from '@oclif/core'
import {errorEnvelope, formatErrorForHumans, KclusterCommand, successEnvelope, toUsageError} from '../../src/cli/base-command.js'
import {installInterruptHandler} from '../../src/cli/interrupt.js'
import {
  ClusterExistsError,
  CommandFailedError,
  InternalError,
  InterruptedError,
  InvalidInputError,
  UsageError,
} from '../../src/errors/index.js'
import {runCommand} from '../fakes/run-command.js'

describe('JSON envelopes', () => {
  test('success envelope keys are exactly status, command, result', () => {
    const envelope = successEnvelope('create', {name: 'dev', context: 'kcluster-dev'})
    assert.deepEqual(Object.keys(envelope), ['status', 'command', 'result'])
    assert.equal(
      JSON.stringify(envelope),
      '{"status":"ok","command":"create","result":{"name":"dev","context":"kcluster-dev"}}',
    )
  })

  test('error envelope keys are exactly status, command, error{name,code,message,exitCode,remedy,details}', () => {
    const envelope = errorEnvelope('create', new ClusterExistsError('dev'))
    assert.deepEqual(Object.keys(envelope), ['status', 'command', 'error'])
    assert.deepEqual(Object.keys(envelope.error), ['name', 'code', 'message', 'exitCode', 'remedy', 'details'])
    assert.deepEqual(JSON.parse(JSON.stringify(envelope)), {
      status: 'error',
      command: 'create',
      error: {
        name: 'ClusterExistsError',
        code: 'CLUSTER_EXISTS',
        message: 'cluster "dev" already exists',
        exitCode: 6,
        remedy: new ClusterExistsError('dev').remedy,
        details: {name: 'dev'},
      },
    })
  })

  test('optional keys are absent, not null', () => {
    const envelope = errorEnvelope('delete', new InterruptedError())
    assert.deepEqual(Object.keys(envelope.error), ['name', 'code', 'message', 'exitCode'])
  })

  test('foreign errors become INTERNAL', () => {
    const envelope = errorEnvelope('list', new RangeError('nope'))
    assert.equal(envelope.error.code, 'INTERNAL')
    assert.equal(envelope.error.exitCode, 1)
    assert.equal(envelope.error.name, 'InternalError')
  })
})

describe('toUsageError', () => {
  test('maps an oclif parse error to UsageError exit 2 without the help hint noise', () => {
    const oclifError = new Errors.CLIError('Nonexistent flag: --nmae\nSee more help with --help', {exit: 2})
    const error = toUsageError(oclifError, 'kcluster create')
    assert.ok(error instanceof UsageError)
    assert.equal(error.exitCode, 2)
    assert.equal(error.message, 'Nonexistent flag: --nmae')
    assert.match(error.remedy ?? '', /kcluster create --help/)
  })

  test('keeps KclusterErrors thrown by flag parsers', () => {
    const original = new InvalidInputError([{field: 'wait', message: 'bad'}])
    assert.equal(toUsageError(original), original)
  })
})

describe('formatErrorForHumans', () => {
  test('message, remedy and failed command output', () => {
    const text = formatErrorForHumans(new CommandFailedError(['kubeadm', 'init'], 1, 'preflight failed\nswap is on\n'))
    const lines = text.split('\n')
    assert.match(lines[0]!, /^Error: command failed with exit code 1: kubeadm init$/)
    assert.match(lines[1]!, /^Remedy: /)
    assert.deepEqual(lines.slice(2), ['Output of the failed command:', '  preflight failed', '  swap is on'])
  })

  test('several problems of one input, one a line', () => {
    const text = formatErrorForHumans(new InvalidInputError([{field: 'name', message: 'must not be empty'}, {field: 'nodes[1].extraPortMapings', message: 'unknown field; did you mean extraPortMappings?'}]))
    assert.deepEqual(text.split('\n'), [
      'Error: invalid configuration, 2 problems:',
      '  name: must not be empty',
      '  nodes[1].extraPortMapings: unknown field; did you mean extraPortMappings?',
      'Remedy: Correct each value listed in the message and run the command again.',
    ])
    assert.equal(formatErrorForHumans(new InvalidInputError([{field: 'name', message: 'must not be empty'}])).split('\n')[0], 'Error: invalid configuration: name: must not be empty')
  })

  test('no remedy line when there is none', () => {
    assert.equal(formatErrorForHumans(new InterruptedError()), 'Error: interrupted')
  })
})

describe('installInterruptHandler', () => {
  test('first signal aborts with InterruptedError, second forces exit 130', () => {
    const source = new EventEmitter()
    const exits: number[] = []
    let notified = 0
    const handler = installInterruptHandler(source, {onFirst: () => notified++, forceExit: (code) => exits.push(code)})
    assert.equal(handler.signal.aborted, false)
    source.emit('SIGINT')
    assert.equal(handler.signal.aborted, true)
    assert.ok(handler.signal.reason instanceof InterruptedError)
    assert.equal(notified, 1)
    assert.deepEqual(exits, [])
    source.emit('SIGTERM')
    assert.deepEqual(exits, [130])
    handler.dispose()
    assert.equal(source.listenerCount('SIGINT'), 0)
    assert.equal(source.listenerCount('SIGTERM'), 0)
  })
})

// Runs real commands through oclif (parse, catch, JSON output) without the built CLI.
describe('KclusterCommand through oclif', () => {
  let root: string
  let config: Config

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'kcluster-cmd-test-'))
    await fs.writeFile(path.join(root, 'package.json'), JSON.stringify({name: 'kcluster-test', version: '0.0.0', type: 'module', oclif: {bin: 'kcluster'}}))
    config = await Config.load(root)
  })
  after(async () => {
    await fs.rm(root, {recursive: true, force: true})
  })

  class Hello extends KclusterCommand<{greeting: string} | undefined> {
    static override id = 'hello'
    static override args = {who: Args.string({required: true})}
    static override flags = {fail: Flags.string(), quiet: Flags.boolean()}

    async run() {
      const {args, flags} = await this.parse(Hello)
      if (flags.fail === 'exists') throw new ClusterExistsError(args.who)
      if (flags.fail === 'bug') throw new TypeError('x is undefined')
      if (flags.fail === 'command') throw new CommandFailedError(['false'], 1, 'it said no')
      if (flags.quiet) return undefined
      this.log(`hello ${args.who}`)
      return {greeting: `hello ${args.who}`}
    }
  }

  const invoke = (argv: string[]) => runCommand(Hello, argv, config)

  test('--json success prints one envelope on stdout', async () => {
    const {stdout, exit} = await invoke(['world', '--json'])
    assert.equal(exit, 0)
    assert.deepEqual(JSON.parse(stdout), {status: 'ok', command: 'hello', result: {greeting: 'hello world'}})
  })

  test('--json success with no result still prints an envelope', async () => {
    const {stdout, exit} = await invoke(['world', '--quiet', '--json'])
    assert.equal(exit, 0)
    assert.deepEqual(JSON.parse(stdout), {status: 'ok', command: 'hello', result: null})
  })

  test('human success prints the primary output on stdout', async () => {
    const {stdout, exit} = await invoke(['world'])
    assert.equal(exit, 0)
    assert.equal(stdout, 'hello world\n')
  })

  test('--json failure: error envelope on stdout, exit code from the error', async () => {
    const {stdout, stderr, exit} = await invoke(['dev', '--fail', 'exists', '--json'])
    assert.equal(exit, 6)
    assert.equal(stderr, '')
    const envelope = JSON.parse(stdout)
    assert.equal(envelope.status, 'error')
    assert.equal(envelope.command, 'hello')
    assert.equal(envelope.error.code, 'CLUSTER_EXISTS')
    assert.equal(envelope.error.exitCode, 6)
  })

  test('--json with an unknown flag → USAGE, exit 2', async () => {
    const {stdout, exit} = await invoke(['dev', '--nmae', 'x', '--json'])
    assert.equal(exit, 2)
    const envelope = JSON.parse(stdout)
    assert.equal(envelope.error.code, 'USAGE')
    assert.equal(envelope.error.name, 'UsageError')
    assert.match(envelope.error.message, /nmae/)
  })

  test('--json with a missing argument → USAGE, exit 2', async () => {
    const {stdout, exit} = await invoke(['--json'])
    assert.equal(exit, 2)
    assert.equal(JSON.parse(stdout).error.code, 'USAGE')
  })

  test('human failure goes to stderr with remedy and command output', async () => {
    const {stdout, stderr, exit} = await invoke(['dev', '--fail', 'command'])
    assert.equal(exit, 8)
    assert.equal(stdout, '')
    assert.match(stderr, /^Error: command failed with exit code 1: false\nRemedy: .+\nOutput of the failed command:\n {2}it said no\n$/)
  })

  test('unexpected errors are INTERNAL, exit 1', async () => {
    const {stderr, exit} = await invoke(['dev', '--fail', 'bug'])
    assert.equal(exit, 1)
    assert.match(stderr, /^Error: x is undefined\nRemedy: This is a bug/)
  })

  test('human usage error exits 2', async () => {
    const {stderr, exit} = await invoke(['dev', '--bogus'])
    assert.equal(exit, 2)
    assert.match(stderr, /^Error: .*bogus/)
  })
})

test('InternalError keeps its cause', () => {
  const cause = new Error('inner')
  assert.equal(new InternalError('outer', cause).cause, cause)
})
