// What a CI job leans on: labels and selectors, an expiry that `prune` acts on,
// and the leftovers of a create killed outright, pruned only once its process
// is gone. One-node clusters, created without waiting for Ready: the labels
// and the claim are what is tested, not Kubernetes.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'
import {execa} from 'execa'
import {CLI, clusterResources, docker, kcluster, tempDir} from './helpers.js'

const SUITE = 'kcluster-e2e=ci-ergonomics'
const SHORT = 'ci-e2e-short'
const LONG = 'ci-e2e-long'
const KILLED = 'ci-e2e-killed'
const kubeconfig = join(tempDir('kcluster-e2e-ci-'), 'config')
const gone = {containers: 0, networks: 0, volumes: 0}

async function removeAll() {
  await kcluster(['delete', '--selector', SUITE, '--kubeconfig', kubeconfig])
  for (const name of [SHORT, LONG, KILLED]) await kcluster(['delete', '--name', name, '--kubeconfig', kubeconfig])
}

describe('labels, selectors, ttl and prune', {timeout: 20 * 60_000}, () => {
  before(removeAll)
  after(removeAll)

  test('create --label --ttl: every container, network and volume carries them; list --selector finds the right cluster', async () => {
    for (const [name, run, ttl, ttlMs] of [[SHORT, 'short', '1s', 1000], [LONG, 'long', '1h', 3_600_000]] as const) {
      const started = Date.now()
      const out = await kcluster(['create', '--name', name, '--label', SUITE, '--label', `run=${run}`, '--ttl', ttl, '--wait', '0', '--kubeconfig', kubeconfig])
      assert.equal(out.exitCode, 0, out.stderr.slice(-3000))
      assert.deepEqual(out.envelope.result.labels, {'kcluster-e2e': 'ci-ergonomics', run})
      // Counted from the claim, to the second.
      const expires = Date.parse(out.envelope.result.expiresAt)
      assert.ok(expires >= started - 1000 + ttlMs && expires <= Date.now() + ttlMs, out.envelope.result.expiresAt)
    }
    const filters = {label: [`io.kcluster.cluster=${SHORT}`, 'io.kcluster.label.run=short', 'io.kcluster.expires']}
    const [containers, networks, volumes] = await Promise.all([docker.listContainers({all: true, filters}), docker.listNetworks({filters}), docker.listVolumes({filters})])
    assert.deepEqual([containers.length, networks.length, (volumes.Volumes ?? []).length], [1, 1, 1], 'the node, its network and its /var volume')

    const short = await kcluster(['list', '--selector', 'run=short', '--selector', SUITE])
    assert.equal(short.exitCode, 0)
    assert.deepEqual(short.envelope.result.clusters.map((c: any) => c.name), [SHORT])
    assert.deepEqual(short.envelope.result.clusters[0].labels, {'kcluster-e2e': 'ci-ergonomics', run: 'short'})
    assert.match(short.envelope.result.clusters[0].expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const both = await kcluster(['list', '--selector', SUITE])
    assert.deepEqual(both.envelope.result.clusters.map((c: any) => c.name).sort(), [LONG, SHORT])
    assert.deepEqual((await kcluster(['list', '--selector', 'run=nothing-has-this'])).envelope.result.clusters, [])
  })

  test('prune deletes the expired cluster and keeps the other; --dry-run only says so', async () => {
    // Unscoped, as a person runs it: other clusters of this machine may show up, nothing is removed.
    const dry = await kcluster(['prune', '--dry-run', '--kubeconfig', kubeconfig])
    assert.equal(dry.exitCode, 0)
    assert.equal(dry.envelope.result.dryRun, true)
    assert.deepEqual(dry.envelope.result.pruned.filter((p: any) => p.name.startsWith('ci-e2e-')).map((p: any) => [p.name, p.reason]), [[SHORT, 'expired']])
    // For a person: one line per cluster, on stderr.
    const plain = await execa(process.execPath, [CLI, 'prune', '--dry-run', '--selector', SUITE, '--kubeconfig', kubeconfig], {reject: false})
    assert.equal(plain.exitCode, 0)
    assert.match(plain.stderr, /^Would prune ci-e2e-short \(expired: expired at \S+Z\)$/m)
    assert.notDeepEqual(await clusterResources(SHORT), gone)

    const pruned = await kcluster(['prune', '--selector', SUITE, '--kubeconfig', kubeconfig])
    assert.equal(pruned.exitCode, 0)
    assert.deepEqual(pruned.envelope.result.pruned.map((p: any) => [p.name, p.reason, p.containers, p.volumes, p.networks]), [[SHORT, 'expired', 1, 1, 1]])
    assert.deepEqual(await clusterResources(SHORT), gone)
    assert.equal((await kcluster(['list', '--selector', SUITE])).envelope.result.clusters.find((c: any) => c.name === LONG)?.state, 'running')
  })

  test('a create killed with SIGKILL: while its process lives prune leaves it, once it is gone prune removes what it left', async () => {
    const child = spawn(process.execPath, [CLI, 'create', '--name', KILLED, '--label', SUITE, '--ttl', '1s', '--json', '--kubeconfig', kubeconfig], {env: {...process.env, CI: 'true'}})
    let stderr = ''
    const atInit = new Promise<void>((ok) =>
      child.stderr.on('data', (d) => {
        stderr += d
        // Containers exist by the time the control plane is bootstrapped. The create is paused there, not ended:
        // its process still runs, so its (expired) cluster is a create in progress.
        if (stderr.includes('"stepId":"kubeadm-init"') && stderr.includes('"state":"start"') && !child.killed) {
          child.kill('SIGSTOP')
          ok()
        }
      }),
    )
    const exited = new Promise((ok) => child.on('exit', ok))
    await Promise.race([atInit, exited.then(() => assert.fail(`create ended before kubeadm init:\n${stderr.slice(-3000)}`))])
    try {
      await sleep(1500)
      const during = await kcluster(['prune', '--selector', SUITE, '--kubeconfig', kubeconfig])
      assert.equal(during.exitCode, 0)
      assert.deepEqual(during.envelope.result.pruned, [])
      assert.deepEqual(during.envelope.result.skipped.map((s: any) => s.name), [KILLED])
      assert.match(during.envelope.result.skipped[0].reason, new RegExp(`in progress \\(pid ${child.pid} on `))
      assert.equal((await clusterResources(KILLED)).containers, 2, 'the node and the claim are untouched')
    } finally {
      child.kill('SIGKILL')
      await exited
    }
    const listed = (await kcluster(['list', '--selector', SUITE])).envelope.result.clusters.find((c: any) => c.name === KILLED)
    assert.equal(listed?.state, 'incomplete')
    assert.equal(listed.creator.pid, child.pid)

    const pruned = await kcluster(['prune', '--selector', SUITE, '--kubeconfig', kubeconfig])
    assert.deepEqual(pruned.envelope.result.pruned.map((p: any) => [p.name, p.reason]), [[KILLED, 'orphaned']])
    assert.deepEqual(pruned.envelope.result.skipped, [])
    assert.deepEqual(await clusterResources(KILLED), gone)
  })

  test('delete --selector removes every match; with none left it succeeds and deletes nothing', async () => {
    const deleted = await kcluster(['delete', '--selector', SUITE, '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.deepEqual(deleted.envelope.result.deleted.map((d: any) => [d.name, d.existed]), [[LONG, true]])
    assert.deepEqual(await clusterResources(LONG), gone)
    const again = await kcluster(['delete', '--selector', SUITE, '--kubeconfig', kubeconfig])
    assert.equal(again.exitCode, 0)
    assert.deepEqual(again.envelope.result.deleted, [])
  })
})
