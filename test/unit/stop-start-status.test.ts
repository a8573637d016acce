// stop, start and status: their pure parts, and their flow against the in-memory provider.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {ClusterMissingError} from '../../src/errors/index.js'
import {readContextAccess} from '../../src/kubeconfig/index.js'
import {readyAfter, readyConditions} from '../../src/lifecycle/cluster-health.js'
import {StatusExitCode, describeStatus, summarize, type ClusterStatus} from '../../src/lifecycle/cluster-status.js'
import {createClusterFromSpec} from '../../src/lifecycle/create-cluster.js'
import {startCluster, startWaves} from '../../src/lifecycle/start-cluster.js'
import {stopCluster} from '../../src/lifecycle/stop-cluster.js'
import {SequentialStepRunner, type ProgressEvent} from '../../src/progress/step.js'
import type {ClusterContainer, ClusterInventory} from '../../src/provider/types.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'

const node = (name: string, role: 'control-plane' | 'worker', state = 'running'): ClusterContainer => ({containerName: `kcluster.dev.${name.replace('dev-', '')}`, kind: 'node', name, role, state, ipv4: '172.30.0.10'})
const lb = (state = 'running'): ClusterContainer => ({containerName: 'kcluster.dev.load-balancer', kind: 'load-balancer', name: 'dev-load-balancer', state, ipv4: '172.30.0.2'})

function facts(inventory: Partial<ClusterInventory>, extra: Partial<Parameters<typeof summarize>[0]> = {}): Parameters<typeof summarize>[0] {
  const containers = inventory.containers ?? [node('dev-control-plane', 'control-plane'), node('dev-worker', 'worker')]
  return {
    name: 'dev',
    inventory: {containers, removedNodeContainers: [], claimed: false, server: 'https://127.0.0.1:40123', ...inventory},
    readyz: {ready: true, detail: 'ok'},
    conditions: new Map(containers.filter((c) => c.kind === 'node').map((c) => [c.name, {ready: true}])),
    kubelets: new Map(containers.map((c) => [c.containerName, 'healthy' as const])),
    kubeconfig: {path: '/home/u/.kube/config', context: 'kcluster-dev', present: true, current: true},
    ...extra,
  }
}

describe('status: summarize', () => {
  test('healthy: exit 0, no problems, a stable shape', () => {
    const status = summarize(facts({}))
    assert.equal(status.health, 'healthy')
    assert.equal(status.exitCode, StatusExitCode.HEALTHY)
    assert.deepEqual(status.problems, [])
    // The JSON shape scripts and IDE plugins read; a change here is a breaking change.
    const shape = (value: unknown): unknown =>
      Array.isArray(value) ? value.slice(0, 1).map(shape) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)])) : typeof value
    assert.deepEqual(shape(JSON.parse(JSON.stringify(status))), {
      name: 'string',
      profile: 'string',
      health: 'string',
      exitCode: 'number',
      problems: [],
      apiServer: {server: 'string', ready: 'boolean', detail: 'string'},
      nodes: [{name: 'string', containerName: 'string', role: 'string', ipv4: 'string', container: 'string', kubelet: 'string', ready: 'boolean'}],
      loadBalancer: 'object',
      kubeconfig: {path: 'string', context: 'string', present: 'boolean', current: 'boolean'},
      addons: [],
    } satisfies Record<keyof ClusterStatus, unknown>)
  })

  test('the profile its containers carry, default without one; said to a person only when not the default', () => {
    assert.equal(summarize(facts({})).profile, 'default')
    const light = summarize(facts({profile: 'light'}))
    assert.equal(light.profile, 'light')
    assert.match(describeStatus(light).split('\n')[0]!, /, profile light$/)
    assert.doesNotMatch(describeStatus(summarize(facts({}))), /profile/)
    assert.equal(summarize(facts({profile: 'heavy'})).profile, 'default', 'a label no kcluster writes is no profile')
  })

  test('a stopped worker: degraded, exit 11, the node named', () => {
    const status = summarize(facts({containers: [node('dev-control-plane', 'control-plane'), node('dev-worker', 'worker', 'exited')]}))
    assert.equal(status.health, 'degraded')
    assert.equal(status.exitCode, 11)
    assert.deepEqual(status.problems, ['node dev-worker: container kcluster.dev.worker is exited'])
    assert.equal(status.nodes.find((n) => n.name === 'dev-worker')?.ready, false)
  })

  test('every container stopped: exit 10', () => {
    const status = summarize(facts({containers: [node('dev-control-plane', 'control-plane', 'exited'), lb('exited')]}, {readyz: {ready: false, detail: 'connect ECONNREFUSED'}}))
    assert.equal(status.health, 'stopped')
    assert.equal(status.exitCode, StatusExitCode.STOPPED)
    assert.deepEqual(status.problems, ['every container of the cluster is stopped'])
  })

  test('a node container removed by hand: degraded, and named', () => {
    const status = summarize(facts({removedNodeContainers: ['kcluster.dev.worker2']}))
    assert.equal(status.exitCode, StatusExitCode.DEGRADED)
    assert.match(status.problems.join('\n'), /kcluster\.dev\.worker2 was removed/)
    assert.equal(status.nodes.at(-1)?.container, 'removed')
  })

  test('containers up, API not ready: exit 12; kubelet unhealthy or NotReady: exit 11', () => {
    assert.equal(summarize(facts({}, {readyz: {ready: false, detail: '/readyz answered 500'}})).exitCode, StatusExitCode.API_NOT_READY)
    const kubelet = summarize(facts({}, {kubelets: new Map([['kcluster.dev.worker', 'unhealthy']])}))
    assert.equal(kubelet.exitCode, StatusExitCode.DEGRADED)
    assert.match(kubelet.problems.join(), /dev-worker: kubelet is not healthy/)
    const notReady = summarize(facts({}, {conditions: new Map([['dev-control-plane', {ready: true}], ['dev-worker', {ready: false}]])}))
    assert.deepEqual(notReady.problems, ['node dev-worker is not Ready'])
  })

  test('a stopped load balancer degrades a cluster; a create in progress is incomplete (exit 13)', () => {
    assert.equal(summarize(facts({containers: [node('dev-control-plane', 'control-plane'), lb('exited')]})).exitCode, StatusExitCode.DEGRADED)
    assert.equal(summarize(facts({claimed: true})).exitCode, StatusExitCode.INCOMPLETE)
  })

  test('no answer from the API: Ready is unknown (null), not false', () => {
    const status = summarize(facts({}, {conditions: undefined}))
    assert.ok(status.nodes.every((n) => n.ready === null))
  })
})

describe('node conditions', () => {
  test('a Ready reported before the start is stale', () => {
    const since = new Date('2026-11-26T10:00:00.700Z')
    assert.equal(readyAfter({ready: true, heartbeat: '2026-11-26T09:59:59Z'}, since), false)
    assert.equal(readyAfter({ready: true, heartbeat: '2026-11-26T10:00:00Z'}, since), true, 'heartbeats have second resolution')
    assert.equal(readyAfter({ready: false, heartbeat: '2026-11-26T10:00:05Z'}, since), false)
    assert.equal(readyAfter(undefined, since), false)
  })

  test('Ready conditions are read from a Node list', () => {
    const found = readyConditions({items: [{metadata: {name: 'a'}, status: {conditions: [{type: 'MemoryPressure', status: 'False'}, {type: 'Ready', status: 'True', lastHeartbeatTime: 'T'}]}}, {metadata: {name: 'b'}, status: {}}]})
    assert.deepEqual([...found], [['a', {ready: true, heartbeat: 'T'}], ['b', {ready: false}]])
  })
})

describe('start order', () => {
  test('control planes and the load balancer first, then workers and the rest; running ones are left alone', () => {
    const waves = startWaves([
      node('dev-control-plane', 'control-plane', 'exited'),
      node('dev-control-plane2', 'control-plane', 'running'),
      node('dev-worker', 'worker', 'exited'),
      lb('exited'),
      {containerName: 'kcluster.dev.port-8080', kind: 'port', name: 'port', state: 'exited', ipv4: '172.30.0.200'},
    ])
    assert.deepEqual(waves, [['kcluster.dev.control-plane', 'kcluster.dev.load-balancer'], ['kcluster.dev.worker', 'kcluster.dev.port-8080']])
    assert.deepEqual(startWaves([node('dev-control-plane', 'control-plane')]), [])
  })
})

async function fakeCluster(workers = 2): Promise<FakeProvider> {
  const provider = new FakeProvider()
  await createClusterFromSpec(
    {name: 'dev', nodes: [{role: 'control-plane'}, ...Array.from({length: workers}, () => ({role: 'worker' as const}))], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}},
    {waitMs: 5000, retain: false, kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'kcluster-unit-')), 'config')},
    {provider, images: fakeClusterImages()},
  )
  return provider
}

describe('stop and start with a fake provider', () => {
  test('stop halts every container at once; stopping again stops nothing', async () => {
    const provider = await fakeCluster()
    const first = await stopCluster({name: 'dev'}, {provider})
    assert.deepEqual(first.stopped.sort(), ['kcluster.dev.control-plane', 'kcluster.dev.worker', 'kcluster.dev.worker2'])
    assert.equal(provider.log.filter((l) => l.startsWith('stop ')).length, 1)
    const again = await stopCluster({name: 'dev'}, {provider})
    assert.deepEqual(again.stopped, [])
    assert.equal(again.alreadyStopped.length, 3)
  })

  test('start: control plane first, then workers; waits for fresh Ready and DNS', async () => {
    const provider = await fakeCluster()
    await stopCluster({name: 'dev'}, {provider})
    const events: ProgressEvent[] = []
    const result = await startCluster({name: 'dev', waitMs: 10_000}, {provider, runner: new SequentialStepRunner((e) => events.push(e))})
    assert.deepEqual(provider.log.filter((l) => l.startsWith('start ')), ['start kcluster.dev.control-plane', 'start kcluster.dev.worker kcluster.dev.worker2'])
    assert.deepEqual(result.started, ['kcluster.dev.control-plane', 'kcluster.dev.worker', 'kcluster.dev.worker2'])
    assert.deepEqual(events.filter((e) => e.state === 'done').map((e) => e.stepId), ['start-containers', 'wait-api-server', 'repair-kubelets', 'wait-ready'])
    assert.ok(provider.node('dev-control-plane').commands.some((c) => c[3] === 'kcluster-dns-wait'), 'cluster DNS was asked')
    assert.deepEqual(result.repaired, [])
  })

  test('start of a running cluster starts nothing and only checks it', async () => {
    const provider = await fakeCluster(0)
    const result = await startCluster({name: 'dev', waitMs: 10_000}, {provider})
    assert.deepEqual(result.started, [])
    assert.deepEqual(result.alreadyRunning, ['kcluster.dev.control-plane'])
  })

  test('a kubelet that stays unhealthy is restarted once, and said so', async () => {
    const provider = await fakeCluster(1)
    await stopCluster({name: 'dev'}, {provider})
    let restarted = false
    provider.override = (n, command) => {
      if (command.join(' ') === 'systemctl restart kubelet') restarted = true
      if (n.name === 'dev-worker' && command[0] === 'bash' && command[2]?.includes('10248') && !restarted) return {stdout: '', stderr: '', exitCode: 1}
      return undefined
    }
    const result = await startCluster({name: 'dev', waitMs: 60_000, graces: {kubeletMs: 300, dnsMs: 300}}, {provider})
    assert.deepEqual(result.repaired, ['restarted kubelet on node dev-worker'])
  })

  test('start and stop of a missing cluster: ClusterMissingError (exit 5); a removed node is named as beyond repair', async () => {
    const provider = new FakeProvider()
    await assert.rejects(stopCluster({name: 'nope'}, {provider}), ClusterMissingError)
    await assert.rejects(startCluster({name: 'nope', waitMs: 0}, {provider}), (e: ClusterMissingError) => e.exitCode === 5)
    const three = await fakeCluster()
    three.removedNodeContainers.add('kcluster.dev.worker2')
    const result = await startCluster({name: 'dev', waitMs: 0}, {provider: three})
    assert.match(result.cannotRepair.join(), /kcluster\.dev\.worker2 was removed; start cannot recreate it/)
  })
})

describe('readContextAccess', () => {
  test('reads the server and credentials of a context; undefined when it is gone or uses a token', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kcluster-unit-')), 'config')
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: kcluster-dev, cluster: {server: "https://127.0.0.1:1", certificate-authority-data: Q0E=}}, {name: t, cluster: {server: "https://t"}}]',
        'users: [{name: kcluster-dev, user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}}, {name: t, user: {token: x}}]',
        'contexts: [{name: kcluster-dev, context: {cluster: kcluster-dev, user: kcluster-dev}}, {name: t, context: {cluster: t, user: t}}]',
        '',
      ].join('\n'),
    )
    const before = readFileSync(file, 'utf8')
    assert.deepEqual(await readContextAccess(file, 'kcluster-dev'), {contextName: 'kcluster-dev', server: 'https://127.0.0.1:1', certificateAuthorityData: 'Q0E=', clientCertificateData: 'Q0VSVA==', clientKeyData: 'S0VZ'})
    assert.equal(await readContextAccess(file, 't'), undefined)
    assert.equal(await readContextAccess(file, 'missing'), undefined)
    assert.equal(await readContextAccess(join(file, 'nope'), 'kcluster-dev'), undefined)
    assert.equal(readFileSync(file, 'utf8'), before, 'reading never writes')
  })
})

describe('removedNodeContainers', () => {
  test('a node volume whose container is gone names that container; other volumes and present containers do not', async () => {
    const {removedNodeContainers} = await import('../../src/provider/docker/container-info.js')
    assert.deepEqual(
      removedNodeContainers(['kcluster.dev.worker2.var', 'kcluster.dev.control-plane.var', 'kcluster-go-mod'], new Set(['kcluster.dev.control-plane'])),
      ['kcluster.dev.worker2'],
    )
  })
})
