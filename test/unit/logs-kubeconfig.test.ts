// get/export kubeconfig and export logs, against the in-memory provider.
import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import fs from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {Config} from '@oclif/core'
import yaml from 'js-yaml'
import * as tar from 'tar'
import ExportKubeconfig from '../../src/commands/export/kubeconfig.js'
import ExportLogs from '../../src/commands/export/logs.js'
import GetKubeconfig from '../../src/commands/get/kubeconfig.js'
import {ClusterMissingError} from '../../src/errors/index.js'
import {renderKubeconfig} from '../../src/kubeconfig/index.js'
import {CLUSTER_RECORD_PATH, kclusterVersion} from '../../src/lifecycle/cluster-record.js'
import {exportKubeconfig, getKubeconfig} from '../../src/lifecycle/cluster-kubeconfig.js'
import {createClusterFromSpec} from '../../src/lifecycle/create-cluster.js'
import {exportLogs, logsArchiveName, logsLayout} from '../../src/lifecycle/export-logs.js'
import type {ClusterSpec} from '../../src/config/cluster-spec.js'
import type {ClusterSummary, Provider} from '../../src/provider/types.js'
import {demultiplexLogs} from '../../src/provider/docker/container-logs.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'
import {loadTestConfig, runCommand} from '../fakes/run-command.js'

const OTHER = 'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: "https://other.example:6443"}\nusers:\n- name: other\n  user: {token: abc}\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\ncurrent-context: other\n'

const temp = () => mkdtempSync(join(tmpdir(), 'kcluster-unit-logs-'))

function spec(workers = 0): ClusterSpec {
  return {
    name: 'dev',
    nodes: [{role: 'control-plane'}, ...Array.from({length: workers}, () => ({role: 'worker' as const}))],
    networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'},
  }
}

async function createdCluster(workers = 0): Promise<FakeProvider> {
  const provider = new FakeProvider()
  await createClusterFromSpec(spec(workers), {waitMs: 60_000, retain: false, kubeconfigPath: join(temp(), 'config')}, {provider, images: fakeClusterImages()})
  return provider
}

/** The archive's files, relative to its top folder, with their text. */
async function unpack(archive: string): Promise<Map<string, string>> {
  const dir = temp()
  await tar.x({file: archive, cwd: dir})
  const [top] = readdirSync(dir)
  const files = new Map<string, string>()
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, top!, rel), {withFileTypes: true})) {
      const path = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isDirectory()) walk(path)
      else files.set(path, readFileSync(join(dir, top!, path), 'utf8'))
    }
  }
  walk('')
  return files
}

describe('logs archive layout', () => {
  test('the archive is named by cluster and UTC time', () => {
    assert.equal(logsArchiveName('dev', new Date('2026-11-26T01:02:03.456Z')), 'kcluster-dev-logs-20261126-010203.tar.gz')
  })

  test('a running node gets its journals, crictl, container logs and kubeadm output; a stopped one what Docker keeps; the load balancer its own folder', () => {
    const cluster: ClusterSummary = {
      name: 'dev',
      state: 'degraded',
      labels: {},
      nodes: [
        {name: 'dev-control-plane', containerName: 'kcluster.dev.control-plane', role: 'control-plane', state: 'running', image: 'i', ipv4: '172.30.0.10'},
        {name: 'dev-worker', containerName: 'kcluster.dev.worker', role: 'worker', state: 'exited', image: 'i', ipv4: '172.30.0.100'},
      ],
      loadBalancer: {containerName: 'kcluster.dev.load-balancer', state: 'running', ipv4: '172.30.0.2'},
    }
    const layout = logsLayout(cluster)
    assert.deepEqual(
      layout.map((e) => e.file),
      [
        'kcluster.json',
        'dev-control-plane/docker-inspect.json',
        'dev-control-plane/docker-logs.txt',
        'dev-control-plane/kubelet.log',
        'dev-control-plane/containerd.log',
        'dev-control-plane/crictl-ps.txt',
        'dev-control-plane/crictl-pods.txt',
        'dev-control-plane/kubeadm.log',
        'dev-control-plane/containers',
        'dev-worker/docker-inspect.json',
        'dev-worker/docker-logs.txt',
        'dev-load-balancer/docker-inspect.json',
        'dev-load-balancer/docker-logs.txt',
        'cluster/events.txt',
        'cluster/pods.txt',
        'cluster/nodes.txt',
        'cluster/kube-system',
      ],
    )
    assert.deepEqual(layout.find((e) => e.file === 'dev-control-plane/kubelet.log')?.source, {kind: 'node-command', node: 'dev-control-plane', command: ['journalctl', '--no-pager', '-u', 'kubelet']})
    assert.deepEqual(layout.find((e) => e.file === 'dev-control-plane/crictl-ps.txt')?.source, {kind: 'node-command', node: 'dev-control-plane', command: ['crictl', 'ps', '-a']})
  })
})

describe('kubeconfig of a cluster', () => {
  const access = {contextName: 'kcluster-dev', server: 'https://127.0.0.1:40123', certificateAuthorityData: 'Q0E=', clientCertificateData: 'Q0VSVA==', clientKeyData: 'S0VZ'}

  test('rendered alone: one cluster, user and context, all kcluster-<name>, current', () => {
    const config = yaml.load(renderKubeconfig(access)) as any
    assert.equal(config['current-context'], 'kcluster-dev')
    assert.deepEqual(config.clusters, [{name: 'kcluster-dev', cluster: {server: 'https://127.0.0.1:40123', 'certificate-authority-data': 'Q0E='}}])
    assert.deepEqual(config.users, [{name: 'kcluster-dev', user: {'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ'}}])
    assert.deepEqual(config.contexts, [{name: 'kcluster-dev', context: {cluster: 'kcluster-dev', user: 'kcluster-dev'}}])
  })

  test('get: the host endpoint by default, the endpoint on the cluster network with internal; no file written', async () => {
    const provider = await createdCluster()
    const external = await getKubeconfig({name: 'dev'}, {provider})
    assert.equal(external.server, 'https://127.0.0.1:40123')
    assert.equal(external.context, 'kcluster-dev')
    assert.equal((yaml.load(external.kubeconfig) as any).clusters[0].cluster.server, 'https://127.0.0.1:40123')
    const internal = await getKubeconfig({name: 'dev', internal: true}, {provider})
    assert.equal(internal.server, 'https://dev-control-plane:6443', "kubeadm's endpoint, as admin.conf names it")
    assert.equal((yaml.load(internal.kubeconfig) as any).users[0].user['client-key-data'], 'S0VZ')
  })

  test('export: merged again beside the other contexts and made current', async () => {
    const provider = await createdCluster()
    const file = join(temp(), 'config')
    writeFileSync(file, OTHER)
    const result = await exportKubeconfig({name: 'dev', kubeconfig: file}, {provider})
    assert.equal(result.kubeconfig, file)
    const config = yaml.load(readFileSync(file, 'utf8')) as any
    assert.equal(config['current-context'], 'kcluster-dev')
    assert.deepEqual(config.contexts.map((c: any) => c.name), ['other', 'kcluster-dev'])
    assert.equal(config.clusters.find((c: any) => c.name === 'kcluster-dev').cluster.server, 'https://127.0.0.1:40123')
    await exportKubeconfig({name: 'dev', kubeconfig: file}, {provider})
    assert.equal((yaml.load(readFileSync(file, 'utf8')) as any).contexts.length, 2, 'a second export replaces its entries')
  })

  test('a missing cluster is exit 5 and writes nothing', async () => {
    const provider = new FakeProvider()
    const file = join(temp(), 'config')
    await assert.rejects(getKubeconfig({name: 'nope'}, {provider}), (e: unknown) => e instanceof ClusterMissingError && e.exitCode === 5)
    await assert.rejects(exportKubeconfig({name: 'nope', kubeconfig: file}, {provider}), (e: unknown) => e instanceof ClusterMissingError)
    await assert.rejects(fs.access(file))
  })
})

describe('export logs', () => {
  test('one archive with every node, the cluster-wide queries and kcluster.json holding the recorded config', async () => {
    const provider = await createdCluster()
    const recorded = JSON.parse(provider.node('dev-control-plane').files.get(CLUSTER_RECORD_PATH)!)
    assert.equal(recorded.spec.name, 'dev', 'create records the spec in the node')
    const dir = temp()
    const result = await exportLogs({name: 'dev', directory: dir}, {provider, now: new Date('2026-11-26T01:02:03Z')})
    assert.equal(result.archive, join(dir, 'kcluster-dev-logs-20261126-010203.tar.gz'))
    assert.deepEqual(result.errors, [])
    const files = await unpack(result.archive)
    for (const file of ['dev-control-plane/kubelet.log', 'dev-control-plane/crictl-ps.txt', 'dev-control-plane/docker-inspect.json', 'cluster/events.txt', 'cluster/pods.txt']) assert.ok(files.has(file), file)
    assert.match(files.get('dev-control-plane/kubeadm.log')!, /^\$ kubeadm init /, 'create kept the kubeadm output in the node')
    assert.equal(files.get('dev-control-plane/docker-logs.txt'), 'boot output of kcluster.dev.control-plane\n')
    const record = JSON.parse(files.get('kcluster.json')!)
    assert.equal(record.kcluster.version, kclusterVersion())
    assert.equal(record.createdWith.kclusterVersion, kclusterVersion())
    assert.deepEqual(record.config, JSON.parse(JSON.stringify(spec())))
    assert.deepEqual(readdirSync(dir), ['kcluster-dev-logs-20261126-010203.tar.gz'], 'no partial file left')
  })

  test('a stopped node and a failing collector are reported in the archive, not fatal', async () => {
    const provider = await createdCluster(1)
    provider.node('dev-worker').running = false
    provider.failingContainers.add('kcluster.dev.control-plane')
    provider.override = (_node, command) => (command[0] === 'crictl' ? {stdout: '', stderr: 'crictl: not found', exitCode: 127} : undefined)
    const result = await exportLogs({name: 'dev', directory: temp()}, {provider})
    const files = await unpack(result.archive)
    assert.ok(files.has('dev-worker/docker-inspect.json') && files.has('dev-worker/docker-logs.txt'), 'what Docker keeps of a stopped node')
    assert.ok(!files.has('dev-worker/kubelet.log'), 'no command runs in a stopped node')
    assert.deepEqual(result.errors.map((e) => e.file), ['dev-control-plane/crictl-pods.txt', 'dev-control-plane/crictl-ps.txt', 'dev-control-plane/docker-inspect.json', 'dev-control-plane/docker-logs.txt'])
    assert.match(files.get('dev-control-plane/crictl-ps.txt.error.txt')!, /exit code 127[\s\S]*crictl: not found/)
    assert.match(files.get('dev-control-plane/docker-inspect.json.error.txt')!, /no such container/)
    assert.ok(files.has('dev-control-plane/kubelet.log'), 'the other collectors of that node still ran')
  })

  test('a cluster whose every node is stopped: what Docker keeps of each node and the recorded config', async () => {
    const provider = await createdCluster()
    provider.node('dev-control-plane').running = false
    const result = await exportLogs({name: 'dev', directory: temp()}, {provider})
    const files = await unpack(result.archive)
    assert.equal(JSON.parse(files.get('kcluster.json')!).config.name, 'dev', 'read from the stopped node')
    assert.ok(files.has('dev-control-plane/docker-logs.txt'))
    assert.deepEqual(result.errors.map((e) => e.file), ['cluster/events.txt', 'cluster/kube-system', 'cluster/nodes.txt', 'cluster/pods.txt'])
  })

  test('a missing cluster is exit 5 and writes no archive', async () => {
    const dir = temp()
    await assert.rejects(exportLogs({name: 'nope', directory: dir}, {provider: new FakeProvider()}), (e: unknown) => e instanceof ClusterMissingError && e.exitCode === 5)
    assert.deepEqual(readdirSync(dir), [])
  })
})

describe('the commands with --json', () => {
  let root: string
  let config: Config
  let provider: FakeProvider
  let dispose: () => Promise<void>
  before(async () => {
    ;({root, config, dispose} = await loadTestConfig('kcluster-logs-command-'))
  })
  after(() => dispose())

  class FakeGet extends GetKubeconfig {
    static override id = 'get:kubeconfig'
    protected override provider(): Provider {
      return provider
    }
  }
  class FakeExportKubeconfig extends ExportKubeconfig {
    static override id = 'export:kubeconfig'
    protected override provider(): Provider {
      return provider
    }
  }
  class FakeExportLogs extends ExportLogs {
    static override id = 'export:logs'
    protected override provider(): Provider {
      return provider
    }
  }

  test('each command: a missing cluster gives exit 5 and a CLUSTER_MISSING envelope', async () => {
    provider = new FakeProvider()
    for (const [Command, id, argv] of [
      [FakeGet, 'get kubeconfig', []],
      [FakeExportKubeconfig, 'export kubeconfig', ['--kubeconfig', join(temp(), 'config')]],
      [FakeExportLogs, 'export logs', [temp()]],
    ] as const) {
      const {stdout, exit} = await runCommand(Command, ['--name', 'nope', '--json', ...argv], config)
      assert.equal(exit, 5, id)
      assert.equal(JSON.parse(stdout).error.code, 'CLUSTER_MISSING', id)
    }
  })

  test('get kubeconfig: the YAML on stdout, or inside the envelope with --json', async () => {
    provider = await createdCluster()
    const plain = await runCommand(FakeGet, ['--name', 'dev'], config)
    assert.equal(plain.exit, 0)
    assert.equal((yaml.load(plain.stdout) as any)['current-context'], 'kcluster-dev')
    const json = await runCommand(FakeGet, ['--name', 'dev', '--internal', '--json'], config)
    const result = JSON.parse(json.stdout).result
    assert.equal(result.server, 'https://dev-control-plane:6443')
    assert.equal(result.context, 'kcluster-dev')
    assert.equal((yaml.load(result.kubeconfig) as any).clusters[0].cluster.server, 'https://dev-control-plane:6443')
  })
})

describe('docker logs of a container without a TTY', () => {
  test('the payloads of the multiplexed frames, in order; a cut last frame keeps what arrived', () => {
    const frame = (stream: number, text: string) => {
      const header = Buffer.alloc(8)
      header.writeUInt8(stream, 0)
      header.writeUInt32BE(Buffer.byteLength(text), 4)
      return Buffer.concat([header, Buffer.from(text)])
    }
    const joined = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err two\n'), frame(1, 'out three\n')])
    assert.equal(demultiplexLogs(joined).toString(), 'out one\nerr two\nout three\n')
    assert.equal(demultiplexLogs(joined.subarray(0, joined.length - 3)).toString(), 'out one\nerr two\nout thr')
    assert.equal(demultiplexLogs(Buffer.alloc(0)).toString(), '')
  })
})
