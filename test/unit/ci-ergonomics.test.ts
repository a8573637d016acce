// Labels, selectors, expiry and orphans: `create --label/--ttl`, `list` and
// `delete --selector`, `prune`. Decisions as tables; the lifecycle against the
// in-memory provider; the Docker provider against a stub engine.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import type Docker from 'dockerode'
import {matchesSelector, parseSelector} from '../../src/config/cluster-labels.js'
import {resolveCreateOptions} from '../../src/config/cluster-options.js'
import {parseClusterConfig} from '../../src/config/load-config.js'
import {InvalidInputError} from '../../src/errors/index.js'
import {createCluster} from '../../src/lifecycle/create-cluster.js'
import {creatorLiveness, currentCreator, procProcessTable, startTimeFromStat, type ProcessTable} from '../../src/lifecycle/creator.js'
import {deleteClusters} from '../../src/lifecycle/delete-cluster.js'
import {listClusters} from '../../src/lifecycle/list-clusters.js'
import {pruneClusters, pruneDecision} from '../../src/lifecycle/prune.js'
import {expiryTime} from '../../src/lifecycle/steps/claim-name.js'
import {networkCreateOptions, nodeContainerSpec} from '../../src/provider/docker/container-spec.js'
import {DockerProvider} from '../../src/provider/docker/docker-provider.js'
import {CLUSTER_LABEL, creatorLabels, creatorOf, KIND_LABEL, metadataLabels, metadataOf, type CreatorRecord} from '../../src/provider/labels.js'
import type {ClusterSummary} from '../../src/provider/types.js'
import {readSchema} from '../contracts/schemas.js'
import {validate} from '../contracts/validator.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'

const PRUNE_SCHEMA = readSchema('results/prune.schema.json')
const schemaProblems = (result: unknown, schema: typeof PRUNE_SCHEMA) => validate(JSON.parse(JSON.stringify(result)), schema)

const problemsOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems
    throw error
  }
  assert.fail('expected an InvalidInputError')
}

const kubeconfig = () => join(mkdtempSync(join(tmpdir(), 'kcluster-ci-')), 'config')

describe('labels and selectors', () => {
  test('key=value pairs in Kubernetes label syntax; an empty value is a value', () => {
    assert.deepEqual(parseSelector(['run=42', 'example.com/team=payments', 'flag=']), {run: '42', 'example.com/team': 'payments', flag: ''})
    assert.deepEqual(parseSelector([]), {})
  })

  test('each bad pair is a problem of the field, all at once, exit 3', () => {
    const problems = problemsOf(() => parseSelector(['run', 'Bad Key=1', 'run=has space', 'a=1', 'a=2']))
    assert.deepEqual(problems.map((p) => p.field), ['selector', 'selector', 'selector', 'selector'])
    assert.match(problems[0]!.message, /"run" is not key=value/)
    assert.match(problems[1]!.message, /"Bad Key=1": a label name/)
    assert.match(problems[2]!.message, /the value "has space"/)
    assert.match(problems[3]!.message, /"a" is given twice/)
    assert.equal(new InvalidInputError(problems).exitCode, 3)
  })

  test('a selector matches when every pair holds (AND); the empty one matches all', () => {
    const labels = {run: '42', team: 'payments'}
    assert.equal(matchesSelector(labels, {run: '42'}), true)
    assert.equal(matchesSelector(labels, {run: '42', team: 'payments'}), true)
    assert.equal(matchesSelector(labels, {run: '42', team: 'search'}), false)
    assert.equal(matchesSelector(labels, {other: ''}), false)
    assert.equal(matchesSelector({}, {}), true)
  })

  test('user labels are namespaced on Docker objects and read back; the expiry beside them', () => {
    const docker = metadataLabels({labels: {run: '42', 'example.com/team': 'x'}, expiresAt: '2026-11-27T10:00:00Z'})
    assert.deepEqual(docker, {'io.kcluster.label.run': '42', 'io.kcluster.label.example.com/team': 'x', 'io.kcluster.expires': '2026-11-27T10:00:00Z'})
    assert.deepEqual(metadataOf({...docker, [CLUSTER_LABEL]: 'dev', [KIND_LABEL]: 'node'}), {labels: {run: '42', 'example.com/team': 'x'}, expiresAt: '2026-11-27T10:00:00Z'})
    assert.deepEqual(metadataOf(undefined), {labels: {}})
  })

  test("a node container, its volume and the network carry them; kcluster's own labels cannot be overridden", () => {
    const labels = {...metadataLabels({labels: {run: '42'}}), [CLUSTER_LABEL]: 'someone-else'}
    const spec = nodeContainerSpec({cluster: 'dev', name: 'dev-control-plane', containerName: 'kcluster.dev.control-plane', role: 'control-plane', image: 'n', network: 'kcluster-dev', ipv4: '172.30.0.10', securityMode: 'restricted', ports: [], mounts: [], labels}, {hasKmsg: true, hasModules: true})
    assert.equal(spec.Labels!['io.kcluster.label.run'], '42')
    assert.equal(spec.Labels![CLUSTER_LABEL], 'dev')
    const volume = (spec.HostConfig!.Mounts as {VolumeOptions?: {Labels?: Record<string, string>}}[])[0]!.VolumeOptions!.Labels!
    assert.equal(volume['io.kcluster.label.run'], '42')
    assert.equal(volume[KIND_LABEL], 'volume')
    assert.equal(networkCreateOptions({cluster: 'dev', name: 'kcluster-dev', subnet: '172.30.0.0/24', gateway: '172.30.0.1', labels}).Labels!['io.kcluster.label.run'], '42')
  })
})

describe('create --label and --ttl', () => {
  test('flags add to the config file’s labels, a flag winning; --ttl is a duration', () => {
    const config = parseClusterConfig('apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nlabels:\n  team: payments\n  run: "1"\n', {cwd: '/tmp', host: {hasIpv6: false, hasIpvs: false}})
    const {spec, run} = resolveCreateOptions({config, labels: ['run=2', 'ci=true'], ttl: '1h30m'}, {}, '/home/dev')
    assert.deepEqual(spec.labels, {team: 'payments', run: '2', ci: 'true'})
    assert.equal(run.ttlMs, 5_400_000)
    const plain = resolveCreateOptions({}, {}, '/home/dev')
    assert.equal(plain.spec.labels, undefined)
    assert.equal(plain.run.ttlMs, undefined)
  })

  test('a bad label, a bad or non-positive ttl: every problem at once, with its field', () => {
    const problems = problemsOf(() => resolveCreateOptions({labels: ['nokey', 'ok=1'], ttl: 'soon', name: 'Bad_Name'}, {}, '/home/dev'))
    assert.deepEqual(problems.map((p) => p.field).sort(), ['label', 'name', 'ttl'])
    assert.deepEqual(problemsOf(() => resolveCreateOptions({ttl: '0'}, {}, '/home/dev')).map((p) => p.field), ['ttl'])
    assert.deepEqual(problemsOf(() => resolveCreateOptions({ttl: '-5m'}, {}, '/home/dev')).map((p) => p.field), ['ttl'])
    // The library may give a map: checked the same.
    assert.deepEqual(problemsOf(() => resolveCreateOptions({labels: {'bad key': 'x'}}, {}, '/home/dev')).map((p) => p.field), ['labels'])
  })

  test('the expiry is an RFC 3339 time to the second', () => {
    assert.equal(expiryTime(Date.parse('2026-11-27T10:00:00.456Z'), 2 * 3_600_000), '2026-11-27T12:00:00Z')
  })

  test('every container, network and volume of the cluster and its claim carry the labels and the expiry; the claim records this process', async () => {
    const provider = new FakeProvider()
    const before = Date.now()
    const result = await createCluster({name: 'ci', labels: ['run=42'], ttl: '2h', kubeconfig: kubeconfig()}, {provider, images: fakeClusterImages()})
    assert.deepEqual(result.labels, {run: '42'})
    const expires = Date.parse(result.expiresAt!)
    assert.ok(expires >= Math.floor(before / 1000) * 1000 + 7_200_000 && expires <= Date.now() + 7_200_000, result.expiresAt)
    const expected = {'io.kcluster.label.run': '42', 'io.kcluster.expires': result.expiresAt}
    // A node also tells which hooks its config declared (none), so stop, start and delete need not read the record.
    assert.deepEqual(provider.node('ci-control-plane').spec.labels, {...expected, 'io.kcluster.hooks': ''})
    assert.deepEqual(provider.networks.get('kcluster-ci')!.labels, expected)
    const claim = provider.claimLabels.get('ci')!
    assert.equal(claim['io.kcluster.label.run'], '42')
    const creator = creatorOf(claim)!
    assert.equal(creator.pid, process.pid)
    const [listed] = await listClusters({provider})
    assert.deepEqual(listed!.labels, {run: '42'})
    assert.equal(listed!.expiresAt, result.expiresAt)
    assert.equal(listed!.state, 'running')
  })
})

describe('list and delete --selector', () => {
  async function threeClusters() {
    const provider = new FakeProvider()
    for (const [name, labels] of [['a', ['run=1', 'team=x']], ['b', ['run=2', 'team=x']], ['c', []]] as const) {
      await createCluster({name, labels: [...labels], kubeconfig: kubeconfig()}, {provider, images: fakeClusterImages()})
    }
    return provider
  }

  test('list finds the clusters whose labels match every pair', async () => {
    const provider = await threeClusters()
    assert.deepEqual((await listClusters({provider}, {selector: {team: 'x'}})).map((c) => c.name).sort(), ['a', 'b'])
    assert.deepEqual((await listClusters({provider}, {selector: {team: 'x', run: '2'}})).map((c) => c.name), ['b'])
    assert.deepEqual((await listClusters({provider})).length, 3)
  })

  test('delete removes every match and nothing else; no match is a no-op success', async () => {
    const provider = await threeClusters()
    const result = await deleteClusters({selector: {team: 'x'}, kubeconfig: kubeconfig()}, {provider})
    assert.deepEqual(result.deleted.map((d) => d.name).sort(), ['a', 'b'])
    assert.deepEqual(provider.deleted.sort(), ['a', 'b'])
    assert.deepEqual((await deleteClusters({selector: {team: 'nobody'}, kubeconfig: kubeconfig()}, {provider})).deleted, [])
    assert.deepEqual((await listClusters({provider})).map((c) => c.name), ['c'])
  })
})

/** A machine with processes 100 (started at tick 5000) and this one. */
function machine(overrides: Partial<ProcessTable> = {}): ProcessTable {
  return {host: 'builder', bootId: 'boot-1', pidNamespace: '4026531836', bootedAt: Date.parse('2026-11-27T08:00:00Z'), startTime: (pid) => (pid === 100 ? '5000' : undefined), ...overrides}
}
const creator = (overrides: Partial<CreatorRecord> = {}): CreatorRecord => ({host: 'builder', pid: 100, bootId: 'boot-1', pidNamespace: '4026531836', startTime: '5000', claimedAt: '2026-11-27T09:00:00Z', ...overrides})

describe('whether the process of a create still runs', () => {
  test('the same boot, namespace, pid and start time: running; a reused pid or none: gone', () => {
    assert.equal(creatorLiveness(creator(), machine()), 'running')
    assert.equal(creatorLiveness(creator({startTime: '4000'}), machine()), 'gone', 'the pid now belongs to another process')
    assert.equal(creatorLiveness(creator({pid: 101}), machine()), 'gone')
  })

  test('another pid namespace or another machine: unknown, left alone', () => {
    assert.equal(creatorLiveness(creator({pidNamespace: '4026532999'}), machine()), 'unknown')
    assert.equal(creatorLiveness(creator({bootId: 'boot-0', host: 'ci-runner-7'}), machine()), 'unknown')
    assert.equal(creatorLiveness({host: 'builder', pid: 100}, machine()), 'unknown', 'an older claim: host and pid only')
    assert.equal(creatorLiveness(creator(), machine({bootId: undefined})), 'unknown', 'no /proc here')
  })

  test('this host before its last boot: gone; a namesake machine claiming after this boot: unknown', () => {
    assert.equal(creatorLiveness(creator({bootId: 'boot-0', claimedAt: '2026-11-27T07:00:00Z'}), machine()), 'gone')
    assert.equal(creatorLiveness(creator({bootId: 'boot-0', claimedAt: '2026-11-27T09:00:00Z'}), machine()), 'unknown')
  })

  test('this process, as /proc tells it, is running', () => {
    const self = currentCreator()
    assert.equal(self.pid, process.pid)
    assert.ok(self.bootId && self.pidNamespace && self.startTime, 'Linux /proc facts')
    assert.equal(creatorLiveness(self, procProcessTable()), 'running')
  })

  test('the start time is read past a command name holding spaces and parentheses', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 1 0 0 20 0 11 0 987654 1000000 5000'
    assert.equal(startTimeFromStat(stat), '987654')
  })
})

describe('what prune does with a cluster', () => {
  const now = Date.parse('2026-11-27T10:00:00Z')
  const cluster = (overrides: Partial<ClusterSummary> = {}): ClusterSummary => ({name: 'ci', state: 'running', nodes: [], labels: {}, ...overrides})

  test('past its expiry: pruned; before it, or with none: kept', () => {
    assert.deepEqual(pruneDecision(cluster({expiresAt: '2026-11-27T09:59:59Z'}), now, machine()), {action: 'prune', reason: 'expired', detail: 'expired at 2026-11-27T09:59:59Z'})
    assert.deepEqual(pruneDecision(cluster({expiresAt: '2026-11-27T10:00:01Z'}), now, machine()), {action: 'keep'})
    assert.deepEqual(pruneDecision(cluster(), now, machine()), {action: 'keep'})
  })

  test('a create in progress is never pruned, even expired; a killed one is an orphan; one that cannot be checked is left with a note', () => {
    const inProgress = pruneDecision(cluster({state: 'incomplete', creator: creator(), expiresAt: '2026-11-27T09:00:00Z'}), now, machine())
    assert.equal(inProgress.action, 'keep')
    assert.match((inProgress as {note: string}).note, /in progress \(pid 100 on builder\)/)
    assert.deepEqual(pruneDecision(cluster({state: 'incomplete', creator: creator({startTime: '1'})}), now, machine()), {action: 'prune', reason: 'orphaned', detail: 'its create (pid 100 on builder) ended without finishing'})
    const elsewhere = pruneDecision(cluster({state: 'incomplete', creator: creator({pidNamespace: '1'})}), now, machine())
    assert.equal(elsewhere.action, 'keep')
    assert.match((elsewhere as {note: string}).note, /cannot be told from this machine; `kcluster delete --name ci`/)
  })

  test('remains without a claim and without nodes (a network left over): orphaned', () => {
    assert.equal(pruneDecision(cluster({state: 'incomplete'}), now, machine()).action, 'prune')
  })
})

describe('pruneClusters with the in-memory provider', () => {
  async function machineWithClusters() {
    const provider = new FakeProvider()
    const here = machine({startTime: (pid) => (pid === 100 ? '5000' : pid === 'self' ? '7' : undefined)})
    // Finished clusters: one expired, one not, one without expiry.
    for (const [name, ttl] of [['old', '1ms'], ['young', '1h'], ['forever', undefined]] as const) {
      await createCluster({name, ttl, labels: ['suite=ci'], kubeconfig: kubeconfig()}, {provider, images: fakeClusterImages()})
    }
    // A create killed after it started its node, and one still running (pid 100 is alive): both hold their claim.
    for (const [name, startTime] of [['killed', '4999'], ['running', '5000']] as const) {
      await provider.claimCluster(name, 'n', {...metadataLabels({labels: {suite: 'ci'}, expiresAt: '2000-01-01T00:00:00Z'}), ...creatorLabels(creator({startTime}))})
      await provider.provisionNode({cluster: name, name: `${name}-control-plane`, containerName: `kcluster.${name}.control-plane`, role: 'control-plane', image: 'n', network: `kcluster-${name}`, ipv4: '172.30.1.10', securityMode: 'restricted', ports: [], mounts: []})
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
    return {provider, here}
  }

  test('a dry run names what would go and removes nothing', async () => {
    const {provider, here} = await machineWithClusters()
    const result = await pruneClusters({dryRun: true, kubeconfig: kubeconfig()}, {provider, processes: here})
    assert.equal(result.dryRun, true)
    assert.deepEqual(result.pruned.map((p) => [p.name, p.reason]).sort(), [['killed', 'orphaned'], ['old', 'expired']])
    assert.equal(result.pruned[0]!.containers, undefined)
    assert.deepEqual(provider.deleted, [])
    assert.deepEqual(schemaProblems(result, PRUNE_SCHEMA), [])
  })

  test('prune deletes the expired and the orphaned cluster, keeps the rest, and says why it left the running create', async () => {
    const {provider, here} = await machineWithClusters()
    const result = await pruneClusters({kubeconfig: kubeconfig()}, {provider, processes: here})
    assert.deepEqual(provider.deleted.sort(), ['killed', 'old'])
    assert.ok(result.pruned.every((p) => p.containers !== undefined && p.kubeconfigEntryRemoved !== undefined))
    assert.deepEqual(result.skipped.map((s) => s.name), ['running'])
    assert.deepEqual((await listClusters({provider})).map((c) => c.name).sort(), ['forever', 'running', 'young'])
    assert.deepEqual(schemaProblems(result, PRUNE_SCHEMA), [])
  })

  test('--selector narrows what prune looks at', async () => {
    const {provider, here} = await machineWithClusters()
    await createCluster({name: 'other', ttl: '1ms', labels: ['suite=other'], kubeconfig: kubeconfig()}, {provider, images: fakeClusterImages()})
    await new Promise((resolve) => setTimeout(resolve, 5))
    const result = await pruneClusters({selector: {suite: 'other'}, kubeconfig: kubeconfig()}, {provider, processes: here})
    assert.deepEqual(result.pruned.map((p) => p.name), ['other'])
    assert.deepEqual(provider.deleted, ['other'])
  })
})

describe('the Docker provider', () => {
  const engine = (containers: object[], networks: object[] = []) => {
    const removed: string[] = []
    const docker = {
      listContainers: async () => containers,
      listNetworks: async () => networks,
      listVolumes: async () => ({Volumes: []}),
      getContainer: (id: string) => ({remove: async () => void removed.push(id)}),
      getNetwork: (id: string) => ({remove: async () => void removed.push(id)}),
      getVolume: (id: string) => ({remove: async () => void removed.push(id)}),
    } as unknown as Docker
    return {provider: new DockerProvider(docker, {hasKmsg: true, hasModules: true}), removed}
  }
  const own = (kind: string, extra: Record<string, string> = {}) => ({[CLUSTER_LABEL]: 'ci', [KIND_LABEL]: kind, ...metadataLabels({labels: {run: '42'}, expiresAt: '2026-11-27T12:00:00Z'}), ...extra})

  test('list reads the labels, the expiry and the claim’s creator with the time it claimed', async () => {
    const {provider} = engine([
      {Id: 'claim', Names: ['/kcluster.ci'], State: 'created', Created: 1_800_000_000, Image: 'node', Labels: own('claim', creatorLabels(creator())), Ports: []},
      {Id: 'node', Names: ['/kcluster.ci.control-plane'], State: 'running', Image: 'node', Labels: own('node', {'io.kcluster.node': 'ci-control-plane', 'io.kcluster.role': 'control-plane'}), Ports: [], NetworkSettings: {Networks: {}}},
    ])
    const [listed] = await provider.listClusters()
    assert.equal(listed!.state, 'incomplete')
    assert.deepEqual(listed!.labels, {run: '42'})
    assert.equal(listed!.expiresAt, '2026-11-27T12:00:00Z')
    assert.deepEqual(listed!.creator, {...creator(), claimedAt: new Date(1_800_000_000_000).toISOString()})
  })

  test('delete removes the claim last, so a delete cut short still shows an unfinished create', async () => {
    const {provider, removed} = engine(
      [
        {Id: 'claim', Names: ['/kcluster.ci'], Labels: own('claim')},
        {Id: 'node', Names: ['/kcluster.ci.control-plane'], Labels: own('node')},
      ],
      [{Id: 'net', Labels: own('network')}],
    )
    await provider.deleteCluster('ci')
    assert.deepEqual(removed, ['node', 'net', 'claim'])
  })

  test('delete removes the containers it is told of before the listing answers, then any other the listing finds', async () => {
    let answer!: () => void
    const listed = new Promise<void>((resolve) => (answer = resolve))
    const containers = [
      {Id: 'cp', Names: ['/kcluster.ci.control-plane'], Labels: own('node')},
      {Id: 'front', Names: ['/kcluster.ci.port-8080'], Labels: own('port')},
      {Id: 'claim', Names: ['/kcluster.ci'], Labels: own('claim')},
    ]
    const removed: string[] = []
    const exists = (ref: string) => containers.some((c) => c.Id === ref || c.Names[0] === `/${ref}`)
    const docker = {
      listContainers: async () => (await listed, containers),
      listNetworks: async () => [],
      listVolumes: async () => ({Volumes: []}),
      getContainer: (ref: string) => ({remove: async () => (exists(ref) ? void removed.push(ref) : Promise.reject(Object.assign(new Error('no such container'), {statusCode: 404})))}),
    } as unknown as Docker
    const provider = new DockerProvider(docker, {hasKmsg: true, hasModules: true})
    const deleting = provider.deleteCluster('ci', ['kcluster.ci.control-plane', 'kcluster.ci.worker'])
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(removed, ['kcluster.ci.control-plane'], 'a known one goes before the listing answers; one gone already is no error')
    answer()
    const result = await deleting
    assert.deepEqual(removed, ['kcluster.ci.control-plane', 'front', 'claim'], 'a known container is not removed twice; the claim goes last')
    assert.equal(result.containers, 3)
  })
})
