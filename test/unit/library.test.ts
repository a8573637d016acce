// The library entry as a plugin uses it: one options object per call, progress
// as CloudEvents, cancellation through an AbortSignal, typed errors. The fake
// provider stands in for Docker; the calls and the lifecycle under them are real.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {BUNDLED_IMAGES_LABEL, KUBERNETES_VERSION_LABEL, packageRoot} from '../../src/images/index.js'
import {
  clusterStatus,
  ClusterMissingError,
  createCluster,
  createSteps,
  deleteCluster,
  deleteClusters,
  EVENT_TYPE_BY_STATE,
  ExitCode,
  InternalError,
  InterruptedError,
  KclusterError,
  listClusters,
  progressEvents,
  pruneClusters,
  type ProgressCloudEvent,
} from '../../src/index.js'
import {FakeProvider} from '../fakes/provider.js'

const IMAGE = 'kcluster/node:library-test'
const OTHER = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: other\n'

/** A fake engine holding a node image whose labels say what it carries, so create builds nothing. */
function engine(): FakeProvider {
  const provider = new FakeProvider()
  const bundled = ['local-path-provisioner', 'storage-helper', 'flannel'].map((id) => `${id}=kcluster/${id}:test`).join(',')
  provider.images.images.set(IMAGE, {id: 'sha256:0', labels: {[KUBERNETES_VERSION_LABEL]: 'v1.34.4', [BUNDLED_IMAGES_LABEL]: bundled}})
  return provider
}

function kubeconfigFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kcluster-library-')), 'config')
  writeFileSync(file, OTHER)
  return file
}

const steps = (events: ProgressCloudEvent[], type: string) => events.filter((e) => e.type === type).map((e) => e.data.stepId)

describe('library calls with a fake engine', () => {
  test('createCluster hands onEvent the CloudEvents of every step, in order; status and delete take the same options', async () => {
    const provider = engine()
    const kubeconfig = kubeconfigFile()
    const events: ProgressCloudEvent[] = []
    const created = await createCluster({name: 'dev', image: IMAGE, kubeconfig, provider, onEvent: (event) => events.push(event)})
    assert.equal(created.context, 'kcluster-dev')

    for (const event of events) {
      assert.equal(event.specversion, '1.0')
      assert.equal(event.source, 'kcluster/create')
      assert.equal(event.subject, 'dev')
      assert.match(event.type, /^dev\.kcluster\.step\.(started|progress|completed|skipped|failed)$/)
      assert.equal(event.datacontenttype, 'application/json')
      assert.equal(EVENT_TYPE_BY_STATE[event.data.state], event.type)
    }
    const ran = steps(events, 'dev.kcluster.step.started')
    const skipped = steps(events, 'dev.kcluster.step.skipped')
    assert.deepEqual([...ran, ...skipped].sort(), createSteps().map((s) => s.id).sort(), 'every step is started or skipped')
    assert.deepEqual(ran, createSteps().map((s) => s.id).filter((id) => !skipped.includes(id)), 'in the order of the steps')
    assert.deepEqual(steps(events, 'dev.kcluster.step.completed'), ran, 'each started step completes before the next starts')
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'every event has its own id')

    // The fake answers no API server, so the cluster is not healthy; that it answers at all is the point here.
    const status = await clusterStatus({name: 'dev', kubeconfig, provider})
    assert.equal(status.name, 'dev')
    assert.equal(status.kubeconfig.context, 'kcluster-dev')
    assert.equal(status.kubeconfig.present, true)

    const deleted = await deleteCluster({name: 'dev', kubeconfig, provider})
    assert.deepEqual({existed: deleted.existed, kubeconfigEntryRemoved: deleted.kubeconfigEntryRemoved, kubeconfig: deleted.kubeconfig}, {existed: true, kubeconfigEntryRemoved: true, kubeconfig})
    assert.deepEqual(await listClusters({provider}), [])
  })

  test('hooks: the option reaches the lifecycle, and each hook is a step of the events', async () => {
    const provider = engine()
    const directory = mkdtempSync(join(tmpdir(), 'kcluster-library-hooks-'))
    mkdirSync(join(directory, 'post-create.d'))
    writeFileSync(join(directory, 'post-create.d', '10-hello'), '#!/bin/sh\necho "hello $KCLUSTER_CLUSTER"\n', {mode: 0o755})
    const events: ProgressCloudEvent[] = []
    const created = await createCluster({name: 'dev', image: IMAGE, kubeconfig: kubeconfigFile(), provider, hooks: {directory}, onEvent: (event) => events.push(event)})
    assert.deepEqual(created.hooks?.map((h) => [h.name, h.failed]), [['10-hello', false]])
    assert.deepEqual(events.filter((e) => e.data.stepId === 'hook:post-create:10-hello').map((e) => [e.type, e.data.message]), [
      ['dev.kcluster.step.started', undefined],
      ['dev.kcluster.step.progress', 'hello dev'],
      ['dev.kcluster.step.completed', undefined],
    ])
    const none: ProgressCloudEvent[] = []
    await deleteCluster({name: 'dev', kubeconfig: kubeconfigFile(), provider, hooks: {enabled: false}, onEvent: (event) => none.push(event)})
    assert.deepEqual(none, [])
  })

  test('labels and selectors: create labels a cluster; list, prune and delete pick clusters by them', async () => {
    const provider = engine()
    const kubeconfig = kubeconfigFile()
    await createCluster({name: 'a', image: IMAGE, kubeconfig, provider, labels: {team: 'x'}, ttl: '2h'})
    await createCluster({name: 'b', image: IMAGE, kubeconfig, provider, labels: ['team=y']})
    assert.deepEqual((await listClusters({provider, selector: {team: 'x'}})).map((c) => [c.name, c.labels]), [['a', {team: 'x'}]])
    assert.deepEqual(await pruneClusters({provider, kubeconfig, dryRun: true}), {dryRun: true, pruned: [], skipped: [], kubeconfig})
    assert.deepEqual((await deleteClusters({provider, kubeconfig, selector: {team: 'y'}})).deleted.map((d) => d.name), ['b'])
    assert.deepEqual((await listClusters({provider})).map((c) => c.name), ['a'])
  })

  test('aborting the signal mid-create rejects with InterruptedError (exit 130) after the rollback removed everything', async () => {
    const provider = engine()
    const kubeconfig = kubeconfigFile()
    const controller = new AbortController()
    const events: ProgressCloudEvent[] = []
    // A plugin's Cancel button: a plain abort(), no kcluster error as reason.
    const onEvent = (event: ProgressCloudEvent) => {
      events.push(event)
      if (event.data.stepId === 'kubeadm-init' && event.data.state === 'start') controller.abort()
    }
    await assert.rejects(createCluster({name: 'dev', image: IMAGE, kubeconfig, provider, signal: controller.signal, onEvent}), (error: unknown) => {
      assert.ok(error instanceof InterruptedError)
      assert.equal(error.code, 'INTERRUPTED')
      assert.equal(error.exitCode, ExitCode.INTERRUPTED)
      return true
    })
    assert.ok(provider.log.some((line) => line.startsWith('provision dev-control-plane')), 'the create had made its node before the abort')
    assert.deepEqual(provider.deleted, ['dev'])
    assert.deepEqual(events.filter((e) => e.data.stepId === 'rollback').map((e) => e.type), ['dev.kcluster.step.started', 'dev.kcluster.step.progress', 'dev.kcluster.step.completed'])
    assert.ok(!events.some((e) => e.data.stepId === 'install-pod-network'), 'no step runs after the abort')
    assert.deepEqual({nodes: provider.nodes.length, networks: provider.networks.size, claims: provider.claims.size}, {nodes: 0, networks: 0, claims: 0})
    assert.equal(readFileSync(kubeconfig, 'utf8'), OTHER, 'the kubeconfig is as it was')
  })

  test('a signal aborted before the call: nothing is asked of the engine', async () => {
    const provider = engine()
    await assert.rejects(createCluster({name: 'dev', image: IMAGE, kubeconfig: kubeconfigFile(), provider, signal: AbortSignal.abort()}), InterruptedError)
    assert.deepEqual(provider.log, [])
  })

  test('failures are KclusterErrors with the CLI exit codes, whatever the engine threw', async () => {
    const provider = engine()
    await assert.rejects(clusterStatus({name: 'nothing', provider}), (error: unknown) => error instanceof ClusterMissingError && error.exitCode === 5 && error.code === 'CLUSTER_MISSING')
    provider.listClusters = async () => {
      throw new TypeError('engine bug')
    }
    await assert.rejects(listClusters({provider}), (error: unknown) => error instanceof InternalError && error instanceof KclusterError && error.exitCode === 1)
  })

  test('progressEvents: the same events through for await, then the result; a failure throws from the loop', async () => {
    const provider = engine()
    const kubeconfig = kubeconfigFile()
    const run = progressEvents((onEvent) => createCluster({name: 'dev', image: IMAGE, kubeconfig, provider, onEvent}))
    const seen: string[] = []
    for await (const event of run.events) seen.push(`${event.data.stepId} ${event.data.state}`)
    assert.equal(seen[0], 'check-preconditions start')
    assert.equal(seen.at(-1), `${createSteps().at(-1)!.id} done`)
    assert.equal((await run.result).name, 'dev')

    const failing = progressEvents((onEvent) => createCluster({name: 'dev', image: IMAGE, kubeconfig, provider, onEvent}))
    await assert.rejects(
      (async () => {
        for await (const _ of failing.events);
      })(),
      (error: unknown) => error instanceof KclusterError && error.code === 'CLUSTER_EXISTS',
    )
    await assert.rejects(failing.result, KclusterError)
  })
})

test('importing the library entry loads neither oclif nor listr2', () => {
  const entry = join(packageRoot(), 'dist/src/index.js')
  assert.ok(existsSync(entry), 'built entry')
  // Records every module the import resolves, through Node's own resolution hooks.
  const script = `
    import {registerHooks} from 'node:module'
    const seen = []
    registerHooks({resolve: (specifier, context, next) => { const resolved = next(specifier, context); seen.push(resolved.url); return resolved }})
    await import(${JSON.stringify(entry)})
    console.log(JSON.stringify(seen))`
  const loaded: string[] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'}))
  assert.ok(loaded.some((url) => url.includes('/dockerode/')), 'the resolution hook saw the dependencies')
  assert.deepEqual(loaded.filter((url) => /\/node_modules\/(@oclif\/|listr2\/)/.test(url)), [])
})
