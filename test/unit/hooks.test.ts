// Lifecycle hooks: which run and in what order, what they are told (env,
// stdin), how their output, timeouts, failures and aborts are handled, and what
// create, delete, stop and start do when one fails. Hooks are real tiny shell
// commands in temp folders; the cluster is the in-memory provider.
import assert from 'node:assert/strict'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import type {ClusterSpec, HookSpecs} from '../../src/config/cluster-spec.js'
import {InterruptedError, InvalidInputError} from '../../src/errors/index.js'
import {HookFailedError, HookFileError, HookTimeoutError} from '../../src/hooks/errors.js'
import {DEFAULT_HOOK_TIMEOUT_MS, findHooks, hooksDirectory, type Hook, type HookOptions} from '../../src/hooks/find-hooks.js'
import {runHooks, type HookInvocation} from '../../src/hooks/run-hooks.js'
import {createClusterFromSpec} from '../../src/lifecycle/create-cluster.js'
import {deleteClusters} from '../../src/lifecycle/delete-cluster.js'
import {startCluster} from '../../src/lifecycle/start-cluster.js'
import {stopCluster} from '../../src/lifecycle/stop-cluster.js'
import {SequentialStepRunner, type ProgressEvent} from '../../src/progress/step.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'

/** Dead or a zombie (an init that does not reap, as in some containers, keeps those). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z'
  } catch {
    return false
  }
}

const temp = () => mkdtempSync(join(tmpdir(), 'kcluster-hooks-'))

/** A hooks folder with these files in <event>.d (mode 0755 unless given). */
function hooksFolder(files: Record<string, {event: string; body: string; mode?: number}>): string {
  const root = temp()
  for (const [name, {event, body, mode = 0o755}] of Object.entries(files)) {
    mkdirSync(join(root, `${event}.d`), {recursive: true})
    writeFileSync(join(root, `${event}.d`, name), body)
    chmodSync(join(root, `${event}.d`, name), mode)
  }
  return root
}

const INVOCATION: HookInvocation = {cluster: 'dev', context: 'kcluster-dev', server: 'https://127.0.0.1:40123', kubeconfig: '/tmp/kubeconfig', input: {name: 'dev', nodes: 1}}

function recorder() {
  const events: ProgressEvent[] = []
  return {events, runner: new SequentialStepRunner((e) => events.push(e))}
}

const shellHook = (command: string, extra: Partial<Hook> = {}): Hook => ({
  event: 'post-create',
  name: 'h',
  source: 'config',
  origin: 'hooks.post-create[0]',
  argv: ['/bin/sh', '-c', command],
  timeoutMs: 10_000,
  continueOnError: false,
  env: {},
  ...extra,
})

describe('which hooks an event runs', () => {
  test('the config\'s first, in their order, then the folder\'s executables in byte order; hidden files, backups and folders are left out', async () => {
    const directory = hooksFolder({
      '20-b': {event: 'post-create', body: '#!/bin/sh\n'},
      '10-a.sh': {event: 'post-create', body: '#!/bin/sh\n'},
      B: {event: 'post-create', body: '#!/bin/sh\n'},
      '.hidden': {event: 'post-create', body: '', mode: 0o644},
      '10-a.sh~': {event: 'post-create', body: '', mode: 0o644},
      other: {event: 'pre-stop', body: '#!/bin/sh\n'},
    })
    mkdirSync(join(directory, 'post-create.d', 'sub'))
    const declared: HookSpecs = {'post-create': [{name: 'smoke', command: ['kubectl', 'get', 'nodes']}, {command: 'echo hi', timeout: '30s', continueOnError: true, env: {A: 'b'}, workingDir: '/srv'}]}
    const hooks = await findHooks('post-create', declared, {directory})
    assert.deepEqual(
      hooks.map((h) => [h.source, h.name]),
      [['config', 'smoke'], ['config', 'config-2'], ['directory', '10-a.sh'], ['directory', '20-b'], ['directory', 'B']],
    )
    assert.deepEqual(hooks[0]!.argv, ['kubectl', 'get', 'nodes'])
    assert.deepEqual(hooks[1], {event: 'post-create', name: 'config-2', source: 'config', origin: 'hooks.post-create[1]', argv: ['/bin/sh', '-c', 'echo hi'], timeoutMs: 30_000, continueOnError: true, env: {A: 'b'}, cwd: '/srv'})
    assert.equal(hooks[2]!.origin, join(directory, 'post-create.d', '10-a.sh'))
    assert.equal(hooks[0]!.timeoutMs, DEFAULT_HOOK_TIMEOUT_MS['post-create'])
    assert.equal((await findHooks('pre-stop', declared, {directory}))[0]!.timeoutMs, 60_000)
  })

  test('the folder is $XDG_CONFIG_HOME/kcluster/hooks, else ~/.config/kcluster/hooks; a relative XDG_CONFIG_HOME does not count', () => {
    assert.equal(hooksDirectory({XDG_CONFIG_HOME: '/x', HOME: '/home/u'}), '/x/kcluster/hooks')
    assert.equal(hooksDirectory({HOME: '/home/u'}), '/home/u/.config/kcluster/hooks')
    assert.equal(hooksDirectory({XDG_CONFIG_HOME: 'rel', HOME: '/home/u'}), '/home/u/.config/kcluster/hooks')
  })

  test('found through XDG_CONFIG_HOME; KCLUSTER_HOOK_TIMEOUT sets the folder\'s timeout; disabled, none run', async () => {
    const config = temp()
    const folder = join(config, 'kcluster', 'hooks', 'pre-delete.d')
    mkdirSync(folder, {recursive: true})
    writeFileSync(join(folder, 'x'), '#!/bin/sh\n', {mode: 0o755})
    const env = {XDG_CONFIG_HOME: config, KCLUSTER_HOOK_TIMEOUT: '90s'}
    assert.deepEqual((await findHooks('pre-delete', undefined, {env})).map((h) => [h.name, h.timeoutMs]), [['x', 90_000]])
    assert.deepEqual(await findHooks('pre-delete', {'pre-delete': [{command: 'true'}]}, {env, enabled: false}), [])
    assert.deepEqual((await findHooks('pre-delete', undefined, {env, directory: false})), [])
    await assert.rejects(findHooks('pre-delete', undefined, {env: {...env, KCLUSTER_HOOK_TIMEOUT: 'soon'}}), (e: InvalidInputError) => e.problems[0]!.field === 'KCLUSTER_HOOK_TIMEOUT')
  })

  test('a file that is not executable is an error naming it, with the chmod that fixes it', async () => {
    const directory = hooksFolder({'10-ok': {event: 'post-create', body: '#!/bin/sh\n'}, '20-plain': {event: 'post-create', body: 'echo\n', mode: 0o644}})
    const file = join(directory, 'post-create.d', '20-plain')
    await assert.rejects(findHooks('post-create', undefined, {directory}), (error: unknown) => {
      assert.ok(error instanceof HookFileError)
      assert.equal(error.exitCode, 3)
      assert.equal(error.message, `hook file ${file} is not executable`)
      assert.equal(error.remedy, `Make it executable with \`chmod +x ${file}\`, or move it out of ${join(directory, 'post-create.d')}.`)
      return true
    })
  })

  test('a malformed hook of a spec built by hand is an input error with its field path', async () => {
    await assert.rejects(findHooks('pre-stop', {'pre-stop': [{command: [], timeout: 'x'}]}, {directory: false}), (e: InvalidInputError) =>
      e.problems.map((p) => p.field).join() === 'hooks.pre-stop[0].command,hooks.pre-stop[0].timeout',
    )
  })
})

describe('running hooks', () => {
  test('env: inherited, the hook\'s own, then KCLUSTER_* and KUBECONFIG; stdin is the JSON input; each line a progress message of hook:<event>:<name>', async () => {
    const {events, runner} = recorder()
    const hook = shellHook('echo "$KCLUSTER_EVENT $KCLUSTER_CLUSTER $KCLUSTER_CONTEXT $KCLUSTER_SERVER $KUBECONFIG $PARENT $OWN"; cat; echo oops >&2', {name: 'env', env: {OWN: 'own'}})
    const {outcomes} = await runHooks([hook], INVOCATION, {runner, env: {PATH: process.env.PATH, PARENT: 'parent', KUBECONFIG: '/not/this'}})
    const lines = events.filter((e) => e.state === 'info').map((e) => e.message)
    assert.deepEqual(lines, ['post-create dev kcluster-dev https://127.0.0.1:40123 /tmp/kubeconfig parent own', '{"name":"dev","nodes":1}', 'oops'])
    assert.ok(events.every((e) => e.stepId === 'hook:post-create:env'))
    assert.deepEqual(outcomes.map((o) => [o.name, o.failed]), [['env', false]])
  })

  test('in order, each in its working directory; an unknown server is an empty KCLUSTER_SERVER', async () => {
    const log = join(temp(), 'log')
    const dir = temp()
    const hooks = [shellHook(`pwd >> ${log}`, {name: 'one', cwd: dir}), shellHook(`echo "two[$KCLUSTER_SERVER]" >> ${log}`, {name: 'two'})]
    await runHooks(hooks, {...INVOCATION, server: undefined}, {runner: new SequentialStepRunner()})
    assert.equal(readFileSync(log, 'utf8'), `${dir}\ntwo[]\n`)
  })

  test('a hook that exits non-zero fails with its exit code, command and output (exit 8); the next does not run', async () => {
    const log = join(temp(), 'log')
    const hooks = [shellHook('echo before; exit 3', {name: 'bad'}), shellHook(`echo ran > ${log}`, {name: 'next'})]
    await assert.rejects(runHooks(hooks, INVOCATION, {runner: new SequentialStepRunner()}), (error: unknown) => {
      assert.ok(error instanceof HookFailedError)
      assert.equal(error.exitCode, 8)
      assert.equal(error.message, "hook post-create:bad failed with exit code 3: /bin/sh -c 'echo before; exit 3'")
      assert.equal(error.details?.output, 'before\n')
      assert.match(error.remedy!, /fix the command of hooks\.post-create\[0\] in the cluster config, or set continueOnError: true/)
      return true
    })
    assert.equal(existsSync(log), false)
  })

  test('a program that cannot start fails naming the hook', async () => {
    const hook = {...shellHook(''), argv: ['/no/such/program']}
    await assert.rejects(runHooks([hook], INVOCATION, {runner: new SequentialStepRunner()}), /hook post-create:h could not start \(spawn \/no\/such\/program ENOENT\)/)
  })

  test('continueOnError: the failure is a warning and an outcome, and the next hook runs', async () => {
    const {events, runner} = recorder()
    const hooks = [shellHook('exit 1', {name: 'flaky', continueOnError: true}), shellHook('true', {name: 'next'})]
    const {outcomes} = await runHooks(hooks, INVOCATION, {runner})
    assert.deepEqual(outcomes.map((o) => [o.name, o.failed]), [['flaky', true], ['next', false]])
    assert.match(outcomes[0]!.error!, /exit code 1/)
    assert.ok(events.some((e) => e.stepId === 'hook:post-create:flaky' && /^warning: .*going on \(continueOnError\)$/.test(e.message ?? '')))
  })

  test('a timeout kills the hook and everything it started, with an error naming the hook and the timeout (exit 7)', async () => {
    const pidFile = join(temp(), 'pid')
    const hook = shellHook(`sleep 30 & echo $! > ${pidFile}; wait`, {name: 'hang', timeoutMs: 300})
    const started = Date.now()
    await assert.rejects(runHooks([hook], INVOCATION, {runner: new SequentialStepRunner()}), (error: unknown) => {
      assert.ok(error instanceof HookTimeoutError)
      assert.equal(error.exitCode, 7)
      assert.match(error.message, /^hook post-create:hang did not finish within its timeout of 300ms and was killed/)
      assert.match(error.remedy!, /hooks\.post-create\[0\]\.timeout/)
      return true
    })
    assert.ok(Date.now() - started < 5000)
    const child = Number(readFileSync(pidFile, 'utf8'))
    assert.ok(!alive(child), 'the background sleep went with the hook')
  })

  test('a hook that ignores SIGTERM is killed after the grace', async () => {
    const hook = shellHook("trap '' TERM; while :; do sleep 0.05; done", {timeoutMs: 200})
    const started = Date.now()
    await assert.rejects(runHooks([hook], INVOCATION, {runner: new SequentialStepRunner(), killGraceMs: 300}), HookTimeoutError)
    assert.ok(Date.now() - started < 3000)
  })

  test('an abort kills the running hook and stops, even with continueOnError', async () => {
    const controller = new AbortController()
    const hook = shellHook('sleep 30', {continueOnError: true})
    setTimeout(() => controller.abort(new InterruptedError()), 200)
    const started = Date.now()
    await assert.rejects(runHooks([hook], INVOCATION, {runner: new SequentialStepRunner(), signal: controller.signal}), InterruptedError)
    assert.ok(Date.now() - started < 5000)
  })

  test('done when its process exits, though a background process still holds its output', async () => {
    const started = Date.now()
    await runHooks([shellHook('sleep 5 & echo left')], INVOCATION, {runner: new SequentialStepRunner()})
    assert.ok(Date.now() - started < 3000)
  })

  test('collect: every hook runs and the failures come back', async () => {
    const hooks = [shellHook('exit 2', {name: 'a'}), shellHook('true', {name: 'b'})]
    const {outcomes, failures} = await runHooks(hooks, INVOCATION, {runner: new SequentialStepRunner(), onFailure: 'collect'})
    assert.deepEqual(outcomes.map((o) => [o.name, o.failed]), [['a', true], ['b', false]])
    assert.equal(failures.length, 1)
  })
})

const NETWORKING = {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}

/** Hooks that append "<event> <name>" to a log, with the stdin's name field. */
function logging(log: string, ...events: (keyof HookSpecs)[]): HookSpecs {
  return Object.fromEntries(events.map((event) => [event, [{name: 'log', command: `printf '%s %s %s\\n' "$KCLUSTER_EVENT" "$KCLUSTER_CLUSTER" "$(cat | tr -d '\\n' | head -c 60)" >> ${log}`}]]))
}

async function create(provider: FakeProvider, hooks: HookSpecs | undefined, options: HookOptions = {directory: false}, kubeconfig = join(temp(), 'config')) {
  const spec: ClusterSpec = {name: 'dev', nodes: [{role: 'control-plane'}], networking: NETWORKING, ...(hooks ? {hooks} : {})}
  const {events, runner} = recorder()
  const result = createClusterFromSpec(spec, {waitMs: 5000, retain: false, kubeconfigPath: kubeconfig}, {provider, images: fakeClusterImages(), runner, hooks: options})
  return {result, events}
}

describe('hooks of create, delete, stop and start (fake provider)', () => {
  test('post-create runs last, with the result on stdin; stop, start and delete find the recorded hooks', async () => {
    const log = join(temp(), 'log')
    const provider = new FakeProvider()
    const {result, events} = await create(provider, logging(log, 'post-create', 'pre-stop', 'post-start', 'pre-delete', 'post-delete'))
    const created = await result
    assert.equal(events.filter((e) => e.state === 'done').at(-1)!.stepId, 'hook:post-create:log')
    assert.deepEqual(created.hooks?.map((h) => h.name), ['log'])
    assert.equal(created.phases.at(-1)!.stepId, 'hook:post-create:log')
    await stopCluster({name: 'dev'}, {provider, hooks: {directory: false}})
    await stopCluster({name: 'dev'}, {provider, hooks: {directory: false}})
    await startCluster({name: 'dev', waitMs: 0}, {provider, hooks: {directory: false}})
    await startCluster({name: 'dev', waitMs: 0}, {provider, hooks: {directory: false}})
    const deleted = await deleteClusters({names: ['dev']}, {provider, hooks: {directory: false}})
    assert.deepEqual(deleted.hooks?.map((h) => h.event), ['pre-delete', 'post-delete'])
    const lines = readFileSync(log, 'utf8').trim().split('\n')
    assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 2).join(' ')), ['post-create dev', 'pre-stop dev', 'post-start dev', 'pre-delete dev', 'post-delete dev'], 'a stop or start that changes nothing fires nothing')
    assert.match(lines[0]!, /^post-create dev \{"name":"dev","context":"kcluster-dev"/)
    assert.match(lines[1]!, /^pre-stop dev \{"name":"dev","server":null,"containers":\[/)
    assert.match(lines[4]!, /^post-delete dev \{"deleted":\[\{"name":"dev","existed":true/)
    assert.ok(provider.log.indexOf('delete dev') > 0)
  })

  test('the nodes tell which hooks the config declared: the record is read only for those events, and always for nodes that do not tell', async () => {
    const reads = (provider: FakeProvider) => provider.log.filter((l) => l.startsWith('read ') && l.endsWith(':/etc/kcluster/cluster.json')).length
    const log = join(temp(), 'log')
    const plain = new FakeProvider()
    await (await create(plain, undefined)).result
    await stopCluster({name: 'dev'}, {provider: plain, hooks: {directory: false}})
    await startCluster({name: 'dev', waitMs: 0}, {provider: plain, hooks: {directory: false}})
    await deleteClusters({names: ['dev']}, {provider: plain, hooks: {directory: false}})
    assert.equal(reads(plain), 0)
    const deleting = new FakeProvider()
    await (await create(deleting, logging(log, 'pre-delete'))).result
    await stopCluster({name: 'dev'}, {provider: deleting, hooks: {directory: false}})
    assert.equal(reads(deleting), 0, 'no pre-stop hook declared')
    assert.deepEqual((await deleteClusters({names: ['dev']}, {provider: deleting, hooks: {directory: false}})).hooks?.map((h) => h.event), ['pre-delete'])
    assert.equal(reads(deleting), 1)
    // A cluster made before nodes carried the label: its record is read as before.
    const older = new FakeProvider()
    await (await create(older, logging(log, 'post-delete'))).result
    for (const node of older.nodes) delete node.spec.labels?.['io.kcluster.hooks']
    assert.deepEqual((await deleteClusters({names: ['dev']}, {provider: older, hooks: {directory: false}})).hooks?.map((h) => h.event), ['post-delete'])
    assert.equal(reads(older), 1)
  })

  test('a failing post-create hook fails the create and rolls it back', async () => {
    const provider = new FakeProvider()
    const {result, events} = await create(provider, {'post-create': [{name: 'boom', command: 'exit 4'}]})
    await assert.rejects(result, (e: HookFailedError) => e.exitCode === 8 && /hook post-create:boom failed with exit code 4/.test(e.message))
    assert.deepEqual(provider.deleted, ['dev'])
    assert.ok(events.some((e) => e.stepId === 'rollback' && e.state === 'done'))
  })

  test('with continueOnError the create succeeds and the result says the hook failed', async () => {
    const provider = new FakeProvider()
    const {result} = await create(provider, {'post-create': [{command: 'exit 4', continueOnError: true}]})
    const created = await result
    assert.deepEqual(created.hooks?.map((h) => [h.name, h.failed]), [['config-1', true]])
    assert.deepEqual(provider.deleted, [])
  })

  test('a hooks folder file that is not executable fails the create before anything is made', async () => {
    const directory = hooksFolder({x: {event: 'post-create', body: 'echo\n', mode: 0o644}})
    const provider = new FakeProvider()
    const {result} = await create(provider, undefined, {directory})
    await assert.rejects(result, HookFileError)
    assert.deepEqual(provider.log, [])
  })

  test('a failing pre-stop hook leaves the cluster running', async () => {
    const provider = new FakeProvider()
    await (await create(provider, {'pre-stop': [{command: 'exit 1'}]})).result
    await assert.rejects(stopCluster({name: 'dev'}, {provider, hooks: {directory: false}}), HookFailedError)
    assert.ok(provider.nodes.every((n) => n.running))
  })

  test('a failing pre-delete hook: the cluster is deleted all the same, post-delete runs, and the command fails after', async () => {
    const log = join(temp(), 'log')
    const provider = new FakeProvider()
    await (await create(provider, {'pre-delete': [{name: 'guard', command: 'exit 1'}], ...logging(log, 'post-delete')})).result
    await assert.rejects(deleteClusters({names: ['dev']}, {provider, hooks: {directory: false}}), (error: HookFailedError) => {
      assert.match(error.message, /^hook pre-delete:guard failed with exit code 1: .*; the cluster was deleted all the same$/)
      return true
    })
    assert.deepEqual(provider.deleted, ['dev'])
    assert.match(readFileSync(log, 'utf8'), /^post-delete dev/)
  })

  test('delete hands the containers it read to the removal, unless a pre-delete hook ran since', async () => {
    const plain = new FakeProvider()
    await (await create(plain, undefined)).result
    const nodes = plain.nodes.map((n) => n.containerName)
    await deleteClusters({names: ['dev']}, {provider: plain, hooks: {directory: false}})
    assert.deepEqual(plain.deletedKnown.get('dev'), nodes)
    const guarded = new FakeProvider()
    await (await create(guarded, {'pre-delete': [{name: 'look', command: 'true'}]})).result
    await deleteClusters({names: ['dev']}, {provider: guarded, hooks: {directory: false}})
    assert.deepEqual(guarded.deletedKnown.get('dev'), [], 'listed afresh after the hook')
  })

  test('deleting a cluster that does not exist runs no hooks, not even a broken folder\'s', async () => {
    const directory = hooksFolder({x: {event: 'pre-delete', body: 'echo\n', mode: 0o644}})
    const result = await deleteClusters({names: ['nope']}, {provider: new FakeProvider(), hooks: {directory}})
    assert.equal(result.hooks, undefined)
  })

  test('delete with a hooks folder that cannot run deletes all the same, then fails naming the file', async () => {
    const directory = hooksFolder({x: {event: 'pre-delete', body: 'echo\n', mode: 0o644}})
    const provider = new FakeProvider()
    await (await create(provider, undefined)).result
    await assert.rejects(deleteClusters({names: ['dev']}, {provider, hooks: {directory}}), /hook file .*x is not executable; the cluster was deleted all the same/)
    assert.deepEqual(provider.deleted, ['dev'])
  })

  test('hooks: {enabled: false} runs none, the recorded ones neither', async () => {
    const provider = new FakeProvider()
    await (await create(provider, {'pre-stop': [{command: 'exit 1'}]})).result
    const stopped = await stopCluster({name: 'dev'}, {provider, hooks: {enabled: false}})
    assert.equal(stopped.hooks, undefined)
    assert.equal(stopped.stopped.length, 1)
  })
})
