// Bad input and faults: clear errors, documented exit codes, nothing left behind.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, test} from 'node:test'
import {CLI, clusterResources, docker, kcluster, tempDir} from './helpers.js'

const ORIGINAL = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: ""\npreferences: {}\n'

describe('bad input and faults', {timeout: 30 * 60_000}, () => {
  // A run that crashed earlier may have left these behind.
  before(async () => {
    for (const name of ['e2e-fail', 'e2e-retain', 'e2e-int', 'e2e-killed', 'e2e-race']) await kcluster(['delete', '--name', name, '--kubeconfig', join(tempDir('kcluster-e2e-pre-'), 'config')])
  })

  test('an invalid name is refused with the rule, before anything is created', async () => {
    const out = await kcluster(['create', '--name', 'Bad_Name'])
    assert.equal(out.exitCode, 3)
    assert.equal(out.envelope.status, 'error')
    assert.match(out.envelope.error!.message, /DNS-1123/)
    assert.deepEqual(await clusterResources('Bad_Name'), {containers: 0, networks: 0, volumes: 0})
  })

  test('an unknown flag is a usage error', async () => {
    const out = await kcluster(['create', '--no-such-flag'])
    assert.equal(out.exitCode, 2)
    assert.equal(out.envelope.error!.code, 'USAGE')
  })

  test('an unreachable Docker engine says so and how to start it', async () => {
    const out = await kcluster(['list'], {DOCKER_HOST: 'unix:///nonexistent/docker.sock'})
    assert.equal(out.exitCode, 4)
    assert.equal(out.envelope.error!.code, 'DOCKER_UNREACHABLE')
    assert.match(out.envelope.error!.remedy ?? '', /dockerd|DOCKER_HOST/)
  })

  test('a create that fails late removes everything and leaves the kubeconfig as it was', async () => {
    const kubeconfig = join(tempDir('kcluster-e2e-fail-'), 'config')
    writeFileSync(kubeconfig, ORIGINAL)
    // Asking for readiness within 1ms fails in the last step, after the cluster booted.
    const out = await kcluster(['create', '--name', 'e2e-fail', '--wait', '1ms', '--kubeconfig', kubeconfig])
    assert.equal(out.exitCode, 7, out.stderr.slice(-2000))
    assert.equal(out.envelope.error!.code, 'TIMEOUT')
    assert.deepEqual(await clusterResources('e2e-fail'), {containers: 0, networks: 0, volumes: 0})
    assert.equal(readFileSync(kubeconfig, 'utf8'), ORIGINAL)
  })

  test('--retain keeps the nodes of a failed create for debugging', async () => {
    const kubeconfig = join(tempDir('kcluster-e2e-retain-'), 'config')
    const out = await kcluster(['create', '--name', 'e2e-retain', '--wait', '1ms', '--retain', '--kubeconfig', kubeconfig])
    assert.equal(out.exitCode, 7)
    // The node is kept; beside it the claim of the unfinished create, so list calls the cluster incomplete.
    assert.equal((await docker.listContainers({all: true, filters: {label: ['io.kcluster.cluster=e2e-retain', 'io.kcluster.kind=node']}})).length, 1)
    assert.equal((await kcluster(['list'])).envelope.result.clusters.find((c: any) => c.name === 'e2e-retain')?.state, 'incomplete')
    const deleted = await kcluster(['delete', '--name', 'e2e-retain', '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.deepEqual(await clusterResources('e2e-retain'), {containers: 0, networks: 0, volumes: 0})
  })

  test('Ctrl-C during create cleans up and exits 130', async () => {
    const kubeconfig = join(tempDir('kcluster-e2e-int-'), 'config')
    writeFileSync(kubeconfig, ORIGINAL)
    const child = spawn(process.execPath, [CLI, 'create', '--name', 'e2e-int', '--json', '--kubeconfig', kubeconfig], {env: {...process.env, CI: 'true'}})
    let stderr = ''
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      // Interrupt once the control plane is being bootstrapped: containers exist by then.
      if (stderr.includes('"state":"start"') && stderr.includes('kubeadm init') && !child.killed) child.kill('SIGINT')
    })
    const code = await new Promise<number | null>((ok) => child.on('exit', ok))
    assert.equal(code, 130, stderr.slice(-2000))
    assert.equal(JSON.parse(stdout).error.code, 'INTERRUPTED')
    assert.deepEqual(await clusterResources('e2e-int'), {containers: 0, networks: 0, volumes: 0})
    assert.equal(readFileSync(kubeconfig, 'utf8'), ORIGINAL)
  })

  test('a create killed with SIGKILL is listed as incomplete, and delete removes it', async () => {
    const kubeconfig = join(tempDir('kcluster-e2e-killed-'), 'config')
    const child = spawn(process.execPath, [CLI, 'create', '--name', 'e2e-killed', '--json', '--kubeconfig', kubeconfig], {env: {...process.env, CI: 'true'}})
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
      if (stderr.includes('"stepId":"kubeadm-init"') && stderr.includes('"state":"start"') && !child.killed) child.kill('SIGKILL')
    })
    await new Promise((ok) => child.on('exit', ok))
    const listed = await kcluster(['list'])
    const cluster = listed.envelope.result.clusters.find((c: any) => c.name === 'e2e-killed')
    assert.equal(cluster?.state, 'incomplete', JSON.stringify(listed.envelope.result))
    const deleted = await kcluster(['delete', '--name', 'e2e-killed', '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.deepEqual(await clusterResources('e2e-killed'), {containers: 0, networks: 0, volumes: 0})
  })

  test('two creates of one name at once: one wins, the other exits 6 and removes nothing of the winner', async () => {
    const kubeconfig = join(tempDir('kcluster-e2e-race-'), 'config')
    const results = await Promise.all([1, 2].map(() => kcluster(['create', '--name', 'e2e-race', '--wait', '0', '--kubeconfig', kubeconfig])))
    assert.deepEqual(results.map((r) => r.exitCode).sort(), [0, 6], results.map((r) => JSON.stringify(r.envelope.error)).join('\n'))
    const listed = await kcluster(['list'])
    const cluster = listed.envelope.result.clusters.find((c: any) => c.name === 'e2e-race')
    assert.equal(cluster?.state, 'running')
    assert.equal(cluster.nodes.length, 1)
    const deleted = await kcluster(['delete', '--name', 'e2e-race', '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.deepEqual(await clusterResources('e2e-race'), {containers: 0, networks: 0, volumes: 0})
  })
})
