// `kcluster doctor` and create's own early checks: every decision from
// made-up facts (no real /proc, no real engine), the words create and doctor
// share, the /proc readers on fixtures, and the command's exit code.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {parseClusterConfig} from '../../src/config/load-config.js'
import {DockerUnreachableError, HostNotReadyError} from '../../src/errors/index.js'
import {createCluster} from '../../src/lifecycle/create-cluster.js'
import {describeDoctor, doctor} from '../../src/lifecycle/doctor.js'
import {diskCheck, dockerCheck, hostPortsCheck, inotifyCheck, inotifyNeed, proxyCheck, securityModeCheck, type HostCheck} from '../../src/lifecycle/host-checks.js'
import {SequentialStepRunner} from '../../src/progress/step.js'
import {engineFactsFromInfo, engineIsOnThisMachine, readMachineFacts} from '../../src/provider/docker/engine-facts.js'
import {portOwner, socketInodes} from '../../src/provider/docker/port-owner.js'
import type {EngineFacts} from '../../src/provider/types.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'

const GiB = 2 ** 30
const one = {controlPlanes: 1, workers: 0}
const threePlusOne = {controlPlanes: 3, workers: 1}
const engine: EngineFacts = {version: '20.10.24+dfsg1', os: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', cgroupVersion: '1', cgroupDriver: 'cgroupfs', storageDriver: 'overlay2', rootDir: '/var/lib/docker', rootless: false}
const port = (hostPort: number, field = 'nodes[0].extraPortMappings[0].hostPort') => ({hostAddress: '127.0.0.1', hostPort, containerPort: 80, protocol: 'tcp' as const, field})

describe('docker', () => {
  test('unreachable: a failure whose fix starts the engine, or adds the user to the docker group when the socket refused them', () => {
    const down = dockerCheck({unreachable: 'connect ENOENT /var/run/docker.sock'})
    assert.equal(down.status, 'fail')
    assert.match(down.fix!, /^sudo systemctl start docker/)
    assert.match(dockerCheck({unreachable: 'connect EACCES /var/run/docker.sock'}).fix!, /^sudo usermod -aG docker "\$USER"/)
  })

  test('version, cgroups and storage in the summary; old engines, vfs and rootless engines are warnings', () => {
    const fine = dockerCheck(engine)
    assert.equal(fine.status, 'ok')
    assert.equal(fine.summary, 'Docker 20.10.24+dfsg1 on Debian GNU/Linux 12 (bookworm), cgroup v1 (cgroupfs driver), storage overlay2, root /var/lib/docker')
    assert.equal(dockerCheck({...engine, version: '27.3.1', cgroupVersion: '2', cgroupDriver: 'systemd'}).status, 'ok')
    assert.equal(dockerCheck({...engine, version: '19.03.15'}).status, 'warn')
    assert.equal(dockerCheck({...engine, version: '20.9.0'}).status, 'warn')
    assert.match(dockerCheck({...engine, storageDriver: 'vfs'}).summary, /vfs storage driver/)
    assert.equal(dockerCheck({...engine, rootless: true}).status, 'warn')
  })
})

describe('--privileged', () => {
  test('either mode works; a probe that could not run is a warning, one that broke a failure', () => {
    assert.deepEqual(securityModeCheck({mode: 'privileged', image: 'n:1'}), {id: 'security-mode', status: 'ok', summary: '--privileged works: nodes run privileged', details: {mode: 'privileged', probedWith: 'n:1'}})
    const restricted = securityModeCheck({mode: 'restricted', image: 'n:1'})
    assert.equal(restricted.status, 'ok')
    assert.match(restricted.summary, /refused.*restricted mode/)
    assert.equal(securityModeCheck({skipped: 'no image'}).status, 'warn')
    assert.equal(securityModeCheck({error: 'no space left on device'}).status, 'fail')
  })
})

describe('inotify', () => {
  test('what a shape needs: the host reserve plus each control plane and worker', () => {
    assert.deepEqual(inotifyNeed(one), {instances: 36, watches: 1536})
    assert.deepEqual(inotifyNeed(threePlusOne), {instances: 106, watches: 3072})
  })

  const cases: {name: string; limits: {maxUserInstances: number; maxUserWatches: number} | undefined; shape: typeof one; status: HostCheck['status']; fix?: RegExp}[] = [
    {name: "kind's recommendation, any small cluster", limits: {maxUserInstances: 512, maxUserWatches: 524288}, shape: threePlusOne, status: 'ok'},
    {name: "Debian's default 128 instances, one node", limits: {maxUserInstances: 128, maxUserWatches: 8192}, shape: one, status: 'ok'},
    {name: '128 instances for 3 + 1: enough, but tight', limits: {maxUserInstances: 128, maxUserWatches: 524288}, shape: threePlusOne, status: 'warn', fix: /^sudo sysctl -w fs\.inotify\.max_user_instances=512 {3}#/},
    {name: '64 instances for 3 + 1: create would break', limits: {maxUserInstances: 64, maxUserWatches: 524288}, shape: threePlusOne, status: 'fail', fix: /^sudo sysctl -w fs\.inotify\.max_user_instances=512 {3}#.*99-kcluster\.conf$/},
    {name: 'too few watches', limits: {maxUserInstances: 8192, maxUserWatches: 1024}, shape: one, status: 'fail', fix: /^sudo sysctl -w fs\.inotify\.max_user_watches=524288 /},
    {name: 'both short', limits: {maxUserInstances: 16, maxUserWatches: 1024}, shape: one, status: 'fail', fix: /max_user_instances=512 fs\.inotify\.max_user_watches=524288 /},
    {name: 'unreadable (a remote engine)', limits: undefined, shape: one, status: 'warn', fix: /^on the engine's machine: sudo sysctl/},
  ]
  for (const c of cases) {
    test(c.name, () => {
      const check = inotifyCheck(c.limits, c.shape)
      assert.equal(check.status, c.status, check.summary)
      if (c.fix) assert.match(check.fix ?? '', c.fix)
      else assert.equal(check.fix, undefined)
    })
  }

  test('the failure names the limit, its value and the need', () => {
    assert.equal(
      inotifyCheck({maxUserInstances: 64, maxUserWatches: 524288}, threePlusOne).summary,
      'fs.inotify.max_user_instances is 64, below the 106 that 4 nodes (3 control planes, 1 worker) need (kubelet, containerd and the control plane fail with "too many open files")',
    )
  })

  test('a need above 512 instances recommends twice it, in steps of 128', () => {
    assert.match(inotifyCheck({maxUserInstances: 128, maxUserWatches: 524288}, {controlPlanes: 3, workers: 20}).fix!, /max_user_instances=768 /)
  })
})

describe('disk', () => {
  const disk = (gib: number) => ({path: '/var/lib/docker', availableBytes: gib * GiB, totalBytes: 200 * GiB})
  test('fails below a GiB a node, warns below twice that; a missing node image adds its build', () => {
    assert.equal(diskCheck(disk(0.5), one).status, 'fail')
    assert.equal(diskCheck(disk(1.5), one).status, 'warn')
    assert.equal(diskCheck(disk(3), one).status, 'ok')
    assert.equal(diskCheck(disk(3), one, true).status, 'fail')
    assert.equal(diskCheck(disk(30), one, true).status, 'ok')
    assert.equal(diskCheck(disk(0.5), one).summary, "only 0.5 GiB free on /var/lib/docker (Docker's root folder); 1 node needs about 1.0 GiB")
    assert.match(diskCheck(disk(0.5), one).fix!, /^docker system df/)
    assert.equal(diskCheck(undefined, one).status, 'warn')
  })
})

describe('host ports', () => {
  test('none fixed, all free, or each taken one with a command that frees it', () => {
    assert.equal(hostPortsCheck([]).status, 'ok')
    assert.equal(hostPortsCheck([{port: port(8080)}]).summary, 'free: 127.0.0.1:8080/tcp')
    const taken = hostPortsCheck([
      {port: port(8080)},
      {port: port(8081, 'nodes[0].extraPortMappings[1].hostPort'), holder: 'container kcluster.other.control-plane'},
      {port: port(8082, 'nodes[0].extraPortMappings[2].hostPort'), holder: 'another program (nginx, pid 4242)'},
      {port: port(6443, 'networking.apiServerPort'), holder: "another program (`ss -lnp 'sport = :6443'` names it)"},
    ])
    assert.equal(taken.status, 'fail')
    assert.match(taken.summary, /^nodes\[0\]\.extraPortMappings\[1\]\.hostPort: host port 127\.0\.0\.1:8081\/tcp is already in use by container kcluster\.other\.control-plane; free it or choose another port; /)
    assert.deepEqual(taken.fix!.split('\n').map((line) => line.split('   #')[0]), ['docker stop kcluster.other.control-plane', 'kill 4242', "ss -lnp 'sport = :6443'"])
    assert.match(taken.fix!, /or set networking\.apiServerPort to another port \(0: one chosen at create\)$/)
  })
})

describe('proxy', () => {
  const check = (env: NodeJS.ProcessEnv) => proxyCheck(env)
  test('none, or NO_PROXY alone: fine', () => {
    assert.deepEqual(check({}), {id: 'proxy', status: 'ok', summary: 'no proxy set: nodes get none'})
    assert.equal(check({no_proxy: '.corp'}).status, 'ok')
  })

  test('a proxy nodes reach, NO_PROXY with loopback: fine, passwords hidden', () => {
    const fine = check({HTTPS_PROXY: 'http://u:pw@proxy.corp:3128', NO_PROXY: 'localhost,127.0.0.1,.corp'})
    assert.equal(fine.status, 'ok')
    assert.doesNotMatch(JSON.stringify(fine), /pw/)
  })

  test('warnings: case variants that differ, a loopback proxy, NO_PROXY without localhost', () => {
    const differ = check({HTTP_PROXY: 'http://a:1', http_proxy: 'http://b:1', NO_PROXY: 'localhost,127.0.0.1'})
    assert.equal(differ.status, 'warn')
    assert.equal(differ.fix, 'export http_proxy="$HTTP_PROXY"')
    const loopback = check({HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: 'localhost,127.0.0.1'})
    assert.equal(loopback.status, 'warn')
    assert.match(loopback.fix!, /export HTTPS_PROXY=http:\/\/<that address>:3128$/)
    const noLoopback = check({HTTP_PROXY: 'proxy:3128', NO_PROXY: '.corp'})
    assert.equal(noLoopback.status, 'warn')
    assert.equal(noLoopback.fix, 'export NO_PROXY=".corp,localhost,127.0.0.1" no_proxy=".corp,localhost,127.0.0.1"')
  })

  test('a value that is no proxy URL fails', () => {
    assert.equal(check({HTTPS_PROXY: 'ftp://proxy:21', NO_PROXY: 'localhost,127.0.0.1'}).status, 'fail')
    assert.equal(check({HTTPS_PROXY: 'http://[oops', NO_PROXY: 'localhost,127.0.0.1'}).status, 'fail')
  })
})

describe('doctor with a fake engine', () => {
  const ids = ['docker', 'security-mode', 'inotify', 'disk', 'host-ports', 'proxy']
  const config = (text: string) => parseClusterConfig(text, {source: 'cluster.yaml'})

  test('every check, in order; the shape and the fixed ports come from the config; the node image present means no build', async () => {
    const provider = new FakeProvider()
    provider.images.images.set('node:1', {id: 'sha256:1', labels: {}})
    provider.takenPorts.set('127.0.0.1:8080/tcp', 'container web')
    const loaded = config('apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nnodes:\n- role: control-plane\n  extraPortMappings:\n  - {containerPort: 80, hostPort: 8080}\n  - {containerPort: 81}\n- role: worker\n')
    const result = await doctor({config: loaded}, {provider, env: {}, probeImages: () => ['node:1', 'lb:1']})
    assert.deepEqual(result.checks.map((c) => c.id), ids)
    assert.deepEqual(result.checks.map((c) => c.status), ['ok', 'ok', 'ok', 'ok', 'fail', 'ok'])
    assert.equal(result.ok, false)
    assert.match(result.checks[3]!.summary, /2 nodes \(1 control plane, 1 worker\) need about 2\.0 GiB$/)
    assert.deepEqual((result.checks[4]!.details as any).ports.map((p: any) => p.hostPort), [8080])
    assert.deepEqual(result.checks[1]!.details, {mode: 'restricted', probedWith: 'node:1'})
  })

  test('no image to probe with: the probe is skipped and the build counted; --nodes gives the shape', async () => {
    const provider = new FakeProvider()
    provider.engine = {...engine, machine: {inotify: {maxUserInstances: 512, maxUserWatches: 524288}, disk: {path: '/var/lib/docker', availableBytes: 8 * GiB, totalBytes: 100 * GiB}}}
    const result = await doctor({nodes: 3}, {provider, env: {}, probeImages: () => ['node:1']})
    assert.equal(result.checks[1]!.status, 'warn')
    assert.equal(result.checks[3]!.status, 'fail')
    assert.match(result.checks[3]!.summary, /3 nodes \(1 control plane, 2 workers\) and a build of the node image need about 15\.0 GiB/)
  })

  test('an engine that does not answer: docker fails, what needs it is not checked, the proxy still is', async () => {
    const provider = new FakeProvider()
    provider.engineFacts = async () => {
      throw new DockerUnreachableError('connect ENOENT /var/run/docker.sock')
    }
    const result = await doctor({}, {provider, env: {HTTPS_PROXY: 'ftp://x'}})
    assert.deepEqual(result.checks.map((c) => c.status), ['fail', 'warn', 'warn', 'warn', 'warn', 'fail'])
    assert.equal(result.checks[0]!.summary, 'cannot reach the Docker engine: connect ENOENT /var/run/docker.sock')
    assert.match(result.checks[2]!.summary, /^not checked: /)
  })

  test('the table: a mark, the id, the summary, the fix below; then the verdict', () => {
    const text = describeDoctor({ok: false, checks: [{id: 'docker', status: 'ok', summary: 'Docker 27'}, {id: 'inotify', status: 'fail', summary: 'too few', fix: 'sudo sysctl -w a=1'}, {id: 'proxy', status: 'warn', summary: 'hm', fix: 'one\ntwo'}]})
    assert.equal(text, ['✓ docker   Docker 27', '✗ inotify  too few', '           fix: sudo sysctl -w a=1', '! proxy    hm', '           fix: one', '           fix: two', '1 failure, 1 warning: fix the failures before kcluster create.'].join('\n'))
  })
})

describe('create checks the machine first', () => {
  test('inotify limits too low: HOST_NOT_READY with the words of doctor, before the name is claimed or anything made', async () => {
    const provider = new FakeProvider()
    provider.engine = {...engine, machine: {inotify: {maxUserInstances: 20, maxUserWatches: 524288}, disk: {path: '/var/lib/docker', availableBytes: 50 * GiB, totalBytes: 100 * GiB}}}
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcluster-unit-')), 'config')
    const error = await createCluster({name: 'dev', kubeconfig}, {provider, images: fakeClusterImages(), runner: new SequentialStepRunner()}).catch((e) => e)
    assert.ok(error instanceof HostNotReadyError, String(error))
    assert.equal(error.exitCode, 14)
    const expected = inotifyCheck(provider.engine.machine!.inotify, one)
    assert.equal(error.message, `this machine cannot run the cluster: ${expected.summary}`)
    assert.ok(error.remedy!.startsWith(expected.fix!))
    assert.deepEqual(provider.log.filter((l) => /claim|network|provision/.test(l)), [])
    assert.equal(provider.claims.size, 0)
  })

  test('disk short: the same; a remote engine (no machine facts) is no reason to refuse', async () => {
    const provider = new FakeProvider()
    provider.engine = {...engine, machine: {inotify: {maxUserInstances: 512, maxUserWatches: 524288}, disk: {path: '/var/lib/docker', availableBytes: 0.2 * GiB, totalBytes: 100 * GiB}}}
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcluster-unit-')), 'config')
    await assert.rejects(createCluster({name: 'dev', kubeconfig}, {provider, images: fakeClusterImages(), runner: new SequentialStepRunner()}), (e: unknown) => e instanceof HostNotReadyError && /only 0\.2 GiB free/.test(e.message))
    const remote = new FakeProvider()
    remote.engine = engine
    await createCluster({name: 'dev', kubeconfig, wait: '0'}, {provider: remote, images: fakeClusterImages(), runner: new SequentialStepRunner()})
  })
})

describe('facts of the engine and its machine', () => {
  test('docker info → facts; rootless from the security options', () => {
    const facts = engineFactsFromInfo({ServerVersion: '27.1.0', OperatingSystem: 'Ubuntu 24.04', KernelVersion: '6.8', CgroupVersion: '2', CgroupDriver: 'systemd', Driver: 'overlay2', DockerRootDir: '/home/u/.local/share/docker', SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns']}, undefined)
    assert.deepEqual(facts, {version: '27.1.0', os: 'Ubuntu 24.04', kernelVersion: '6.8', cgroupVersion: '2', cgroupDriver: 'systemd', storageDriver: 'overlay2', rootDir: '/home/u/.local/share/docker', rootless: true})
  })

  test('the engine is on this machine through a local socket, unless it is Docker Desktop\'s VM', () => {
    assert.equal(engineIsOnThisMachine({socketPath: '/var/run/docker.sock'}, {}), true)
    assert.equal(engineIsOnThisMachine({socketPath: () => '/var/run/docker.sock'}, {}), true)
    assert.equal(engineIsOnThisMachine({socketPath: undefined, host: '10.0.0.5'}, {}), false)
    assert.equal(engineIsOnThisMachine({socketPath: '/home/u/.docker/desktop/docker.sock'}, {OperatingSystem: 'Docker Desktop'}), false)
  })

  test('limits from the /proc files and the root folder\'s filesystem; unreadable ones are unknown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-unit-proc-'))
    writeFileSync(join(dir, 'instances'), '128\n')
    writeFileSync(join(dir, 'watches'), '8192\n')
    const facts = readMachineFacts(dir, {maxUserInstances: join(dir, 'instances'), maxUserWatches: join(dir, 'watches')})
    assert.deepEqual(facts.inotify, {maxUserInstances: 128, maxUserWatches: 8192})
    assert.equal(facts.disk?.path, dir)
    assert.ok(facts.disk!.availableBytes > 0 && facts.disk!.totalBytes >= facts.disk!.availableBytes)
    assert.deepEqual(readMachineFacts(join(dir, 'missing'), {maxUserInstances: join(dir, 'none'), maxUserWatches: join(dir, 'watches')}), {})
  })

  test('the socket of a port in /proc/net/tcp: listening ones only for TCP', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4712 1 0000000000000000 20 4 30 10 -1',
      '   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4713 1 0000000000000000 100 0 0 10 0',
    ].join('\n')
    assert.deepEqual(socketInodes(table, 8080, 'tcp'), ['4711'])
    assert.deepEqual(socketInodes(table, 8080, 'udp'), ['4711', '4712'])
    assert.deepEqual(socketInodes(table, 443, 'tcp'), [])
  })

  test('the process that listens: this one', async () => {
    const server = createServer()
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
    try {
      const owner = portOwner((server.address() as {port: number}).port, 'tcp')
      assert.equal(owner?.pid, process.pid)
    } finally {
      await new Promise((ok) => server.close(ok))
    }
  })
})

