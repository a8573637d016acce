// create, rollback and waits driven against the in-memory provider.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import yaml from 'js-yaml'
import {ClusterExistsError, CommandFailedError, InterruptedError, InvalidInputError, KclusterError, NodeNotRunningError, TimeoutError} from '../../src/errors/index.js'
import {createCluster, createSteps} from '../../src/lifecycle/create-cluster.js'
import {SequentialStepRunner, type ProgressEvent} from '../../src/progress/step.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'

const OTHER = 'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: "https://other.example:6443"}\nusers:\n- name: other\n  user: {token: abc}\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\ncurrent-context: other\n'

function kubeconfigFile(content?: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kcluster-unit-')), 'config')
  if (content !== undefined) writeFileSync(file, content)
  return file
}

function run(provider: FakeProvider, input: Parameters<typeof createCluster>[0], options: {signal?: AbortSignal; images?: ReturnType<typeof fakeClusterImages>} = {}) {
  const events: ProgressEvent[] = []
  const promise = createCluster(input, {provider, images: options.images ?? fakeClusterImages(), runner: new SequentialStepRunner((e) => events.push(e)), signal: options.signal})
  return {promise, events}
}

const stepIds = (events: ProgressEvent[], state: ProgressEvent['state']) => events.filter((e) => e.state === state).map((e) => e.stepId)

describe('createCluster with a fake provider', () => {
  test('one node: every step once, in order; kubeconfig written and current; claim released last', async () => {
    const provider = new FakeProvider()
    const kubeconfig = kubeconfigFile(OTHER)
    const {promise, events} = run(provider, {name: 'dev', kubeconfig})
    const result = await promise
    const skipped = ['ensure-load-balancer-image', 'ensure-kine-image', 'configure-containerd', 'start-kine', 'join-control-planes', 'join-workers', 'label-nodes']
    assert.deepEqual(stepIds(events, 'start'), createSteps().filter((s) => !skipped.includes(s.id)).map((s) => s.id))
    assert.deepEqual(stepIds(events, 'skip'), skipped)
    assert.deepEqual(provider.loadBalancers, [])
    assert.equal(result.server, 'https://127.0.0.1:40123')
    assert.deepEqual(result.nodes, [{name: 'dev-control-plane', containerName: 'kcluster.dev.control-plane', role: 'control-plane', ipv4: '172.30.0.10', state: 'running'}])
    assert.equal(result.loadBalancer, undefined)
    assert.equal(result.kubernetesVersion, 'v1.34.4')
    assert.deepEqual(result.phases.map((p) => p.stepId), stepIds(events, 'done'))
    const config = yaml.load(readFileSync(kubeconfig, 'utf8')) as any
    assert.equal(config['current-context'], 'kcluster-dev')
    assert.ok(config.contexts.some((c: any) => c.name === 'other'))
    assert.equal(provider.log.at(-1), 'release dev')
    assert.equal(result.profile, 'default')
    assert.equal(provider.claimLabels.get('dev')?.['io.kcluster.profile'], undefined)
    const applies = provider.node('dev-control-plane').commands.filter((c) => c.includes('apply'))
    assert.ok(applies.length === 2 && applies.every((c) => c.at(-1) === '-'), 'the pod network and storage manifests go in through kubectl apply')
    // kubelet-finalize's edit, made by kcluster without restarting the kubelet.
    assert.match(provider.node('dev-control-plane').files.get('/etc/kubernetes/kubelet.conf') ?? '', /client-certificate: \/var\/lib\/kubelet\/pki\/kubelet-client-current\.pem/)
    assert.equal(provider.claims.size, 0)
    assert.deepEqual(provider.deleted, [])
  })

  test('profile light: kine goes into the control plane and starts before kubeadm init, which takes it for an external etcd', async () => {
    const provider = new FakeProvider()
    const {promise, events} = run(provider, {name: 'dev', kubeconfig: kubeconfigFile(), profile: 'light'})
    const result = await promise
    assert.equal(result.profile, 'light')
    assert.ok(stepIds(events, 'done').includes('ensure-kine-image') && stepIds(events, 'done').includes('start-kine'))
    const node = provider.node('dev-control-plane')
    assert.ok(node.files.has('/usr/local/bin/kine'))
    assert.match(node.files.get('/etc/systemd/system/kine.service')!, /ExecStart=\/usr\/local\/bin\/kine --endpoint=sqlite:\/\/\/var\/lib\/kine\/state\.db\?.* --listen-address=127\.0\.0\.1:2379 /)
    const lines = node.commands.map((c) => c.join(' '))
    const enabled = lines.indexOf('systemctl enable --now kine.service')
    const init = lines.findIndex((line) => line.startsWith('kubeadm init'))
    assert.ok(enabled >= 0 && init > enabled, 'kine is enabled and started before kubeadm init')
    const config = (yaml.loadAll(node.files.get('/etc/kcluster/kubeadm.yaml')!) as any[]).find((d) => d.kind === 'ClusterConfiguration')
    assert.deepEqual(config.etcd, {external: {endpoints: ['http://127.0.0.1:2379']}})
    // The claim and every node carry the profile, so list tells it.
    assert.equal(provider.claimLabels.get('dev')?.['io.kcluster.profile'], 'light')
    assert.equal(node.spec.labels?.['io.kcluster.profile'], 'light')
  })

  test('1 + 2: init on the control plane, workers join, every node gets its CNI configuration and flanneld', async () => {
    // The flags make one node; a spec of three comes through the library.
    const three = new FakeProvider()
    const events: ProgressEvent[] = []
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    await createClusterFromSpec(
      {name: 'dev', nodes: [{role: 'control-plane'}, {role: 'worker'}, {role: 'worker'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}},
      {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()},
      {provider: three, images: fakeClusterImages(), runner: new SequentialStepRunner((e) => events.push(e))},
    )
    const kubeadm = (name: string) => three.node(name).commands.filter((c) => c[0] === 'kubeadm').map((c) => (c[2] === 'phase' ? c.slice(1, 5).join(' ') : c[1]))
    // kubeadm's own addons go in apart from init, as soon as the API server serves.
    assert.deepEqual(kubeadm('dev-control-plane'), ['init', 'init phase addon all'])
    assert.ok(three.node('dev-control-plane').commands.some((c) => c[1] === 'init' && c.includes('--skip-phases=preflight,kubelet-finalize,addon/coredns,addon/kube-proxy')))
    assert.deepEqual(kubeadm('dev-worker'), ['join'])
    assert.deepEqual(kubeadm('dev-worker2'), ['join'])
    assert.ok(!three.node('dev-control-plane').commands.some((c) => c.includes('--upload-certs')), 'no certificates to share without control-plane joins')
    const join = yaml.load(three.node('dev-worker').files.get('/etc/kcluster/kubeadm.yaml')!) as any
    assert.equal(join.discovery.bootstrapToken.apiServerEndpoint, 'dev-control-plane:6443')
    const applied = three.node('dev-control-plane').commands.filter((c) => c.includes('apply')).length
    assert.equal(applied, 2, 'the pod network (flanneld) and the storage manifests')
    assert.ok(three.node('dev-control-plane').commands.some((c) => c.includes('label') && c.includes('dev-worker2') && c.includes('node-role.kubernetes.io/worker=')))
    assert.ok(three.node('dev-worker').files.has('/etc/cni/net.d/10-kcluster.conflist'))
    // CoreDNS is born in kcluster's shape: kubeadm applies the patch as it creates the Deployment, nobody patches it later.
    const init = yaml.loadAll(three.node('dev-control-plane').files.get('/etc/kcluster/kubeadm.yaml')!) as any[]
    assert.deepEqual(init.find((d) => d.kind === 'InitConfiguration').patches, {directory: '/etc/kcluster/kubeadm-patches'})
    const coreDns = JSON.parse(three.node('dev-control-plane').files.get('/etc/kcluster/kubeadm-patches/corednsdeployment+strategic.json')!)
    assert.equal(coreDns.spec.replicas, undefined, 'three nodes keep both replicas')
    assert.equal(coreDns.spec.template.spec.containers[0].readinessProbe.periodSeconds, 1)
    assert.ok(!three.node('dev-control-plane').commands.some((c) => c.includes('patch')))
    assert.ok(!three.node('dev-worker').files.has('/etc/kcluster/kubeadm-patches/corednsdeployment+strategic.json'))
    // kubeadm's files and the cluster record go into each node with its other files, before it starts: nothing is
    // written into it between its start and kubeadm's. The configuration holds the join secrets: root's alone.
    for (const node of three.nodes) {
      const mode = (path: string) => node.spec.files?.find((f) => f.path === path)?.mode
      assert.equal(mode('/etc/kcluster/kubeadm.yaml'), 0o600, node.name)
      assert.equal(mode('/etc/kcluster/cluster.json'), 0o644, node.name)
    }
    assert.equal(three.node('dev-control-plane').spec.files?.find((f) => f.path.startsWith('/etc/kcluster/kubeadm-patches/'))?.mode, 0o600)
  })

  test('kubeadm init starts while its node still boots: its containerd answers only once init began', async () => {
    const provider = new FakeProvider()
    provider.override = (node, command) =>
      command.join(' ') === 'ctr version' && !node.commands.some((c) => c[0] === 'kubeadm') ? {stdout: '', stderr: 'ctr: failed to dial "/run/containerd/containerd.sock"', exitCode: 1} : undefined
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    const result = await createClusterFromSpec(
      {name: 'dev', nodes: [{role: 'control-plane'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}},
      {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()},
      {provider, images: fakeClusterImages()},
    )
    assert.equal(result.name, 'dev')
    const log = provider.log.filter((l) => / (ctr version|kubeadm init --)/.test(l))
    assert.match(log[0]!, /ctr version/)
    assert.ok(log.findIndex((l) => l.includes('kubeadm init --')) < log.length - 1, 'containerd was asked again after init began')
  })

  test('a node whose containerd never answers fails init at once, without waiting for kubeadm', {timeout: 30_000}, async () => {
    const provider = new FakeProvider()
    let kubeadmInitRuns = false
    provider.override = (node, command) => {
      // kubeadm init would wait minutes for a kubelet that cannot start; only the boot watch ends the step.
      if (command[0] === 'kubeadm' && command[1] === 'init' && command[2] !== 'phase') {
        kubeadmInitRuns = true
        return new Promise(() => {})
      }
      if (command.join(' ') !== 'ctr version') return undefined
      // Still booting, then dead.
      if (kubeadmInitRuns) throw new NodeNotRunningError(node.containerName, {status: 'exited', exitCode: 255})
      return {stdout: '', stderr: 'ctr: failed to dial "/run/containerd/containerd.sock"', exitCode: 1}
    }
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    await assert.rejects(
      createClusterFromSpec(
        {name: 'dev', nodes: [{role: 'control-plane'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}},
        {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()},
        {provider, images: fakeClusterImages()},
      ),
      /not running|exited/,
    )
  })

  test("kubeadm's addon phase refused as the admin a moment after making the admin's binding is run again; other failures are not", async () => {
    const spec = {name: 'dev', nodes: [{role: 'control-plane' as const}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}}
    const isAddonPhase = (command: string[]) => command.slice(0, 4).join(' ') === 'kubeadm init phase addon'
    const refusal = 'error execution phase addon/coredns: couldn\'t retrieve DNS addon deployments: deployments.apps is forbidden: User "kubernetes-admin" cannot list resource "deployments"'
    const provider = new FakeProvider()
    let refused = 0
    provider.override = (_node, command) => (isAddonPhase(command) && refused++ < 2 ? {stdout: '', stderr: refusal, exitCode: 1} : undefined)
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    await createClusterFromSpec(spec, {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()}, {provider, images: fakeClusterImages()})
    assert.equal(provider.node('dev-control-plane').commands.filter(isAddonPhase).length, 3)
    assert.equal((provider.node('dev-control-plane').files.get('/var/log/kcluster/kubeadm.log')!.match(/is forbidden/g) ?? []).length, 2, 'every attempt is in the kept log')

    const broken = new FakeProvider()
    broken.override = (_node, command) => (isAddonPhase(command) ? {stdout: '', stderr: 'error execution phase addon/coredns: unable to fetch CoreDNS current installed version', exitCode: 1} : undefined)
    await assert.rejects(createClusterFromSpec(spec, {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()}, {provider: broken, images: fakeClusterImages()}), CommandFailedError)
    assert.equal(broken.log.filter((l) => l.includes(': kubeadm init phase addon')).length, 1, 'the rollback removed the node; its log remains')
  })

  test('disableDefaultCNI: CoreDNS stays as kubeadm makes it', async () => {
    const provider = new FakeProvider()
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    await createClusterFromSpec(
      {name: 'dev', nodes: [{role: 'control-plane'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16', disableDefaultCNI: true}},
      {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()},
      {provider, images: fakeClusterImages()},
    )
    const init = yaml.loadAll(provider.node('dev-control-plane').files.get('/etc/kcluster/kubeadm.yaml')!) as any[]
    assert.equal(init.find((d) => d.kind === 'InitConfiguration').patches, undefined)
    assert.ok(![...provider.node('dev-control-plane').files.keys()].some((f) => f.startsWith('/etc/kcluster/kubeadm-patches/')))
  })

  test('kubeProxyMode none: kubeadm applies CoreDNS only, never kube-proxy', async () => {
    const provider = new FakeProvider()
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    await createClusterFromSpec(
      {name: 'dev', nodes: [{role: 'control-plane'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16', kubeProxyMode: 'none'}},
      {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()},
      {provider, images: fakeClusterImages()},
    )
    const kubeadm = provider.node('dev-control-plane').commands.filter((c) => c[0] === 'kubeadm')
    // The command line's --skip-phases makes kubeadm ignore the configuration's skipPhases: the addon phase names what it applies.
    assert.deepEqual(kubeadm.map((c) => c.slice(1, 5).join(' ')), [`init --config=/etc/kcluster/kubeadm.yaml --skip-phases=preflight,kubelet-finalize,addon/coredns,addon/kube-proxy --skip-token-print`, 'init phase addon coredns'])
  })

  test('3 + 1: control planes join one after another, after init uploaded the certificates', async () => {
    const provider = new FakeProvider()
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    await createClusterFromSpec(
      {name: 'ha', nodes: [{role: 'control-plane'}, {role: 'control-plane'}, {role: 'control-plane'}, {role: 'worker'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}},
      {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()},
      {provider, images: fakeClusterImages()},
    )
    const kubeadmOrder = provider.log.filter((l) => / kubeadm (init|join) --/.test(l)).map((l) => l.split(':')[0])
    assert.deepEqual(kubeadmOrder, ['exec ha-control-plane', 'exec ha-control-plane2', 'exec ha-control-plane3', 'exec ha-worker'])
    assert.ok(provider.node('ha-control-plane').commands.some((c) => c.includes('--upload-certs')))
    const join = yaml.load(provider.node('ha-control-plane3').files.get('/etc/kcluster/kubeadm.yaml')!) as any
    assert.equal(join.controlPlane.localAPIEndpoint.advertiseAddress, '172.30.0.12')
    assert.equal(join.discovery.bootstrapToken.apiServerEndpoint, 'ha-load-balancer:6443')
    // The load balancer starts with the nodes, before kubeadm, publishing the API port and checking every control plane.
    const [lb] = provider.loadBalancers
    assert.equal(lb?.containerName, 'kcluster.ha.load-balancer')
    assert.equal(lb?.image, 'kcluster/load-balancer:test')
    assert.deepEqual(lb?.ports, [{hostAddress: '127.0.0.1', hostPort: 40123, containerPort: 6443, protocol: 'tcp', field: 'networking.apiServerPort'}])
    assert.deepEqual(lb?.config.content.match(/server \S+ \S+/g), ['server ha-control-plane 172.30.0.10:6443', 'server ha-control-plane2 172.30.0.11:6443', 'server ha-control-plane3 172.30.0.12:6443'])
    assert.ok(provider.log.indexOf('load balancer ha-load-balancer 172.30.0.2') < provider.log.findIndex((l) => / kubeadm init/.test(l)))
  })

  test('a name another create holds: CLUSTER_EXISTS, and nothing of the other is deleted', async () => {
    const provider = new FakeProvider()
    provider.claims.add('dev')
    // The early check passes when the other create has not claimed yet; the claim decides.
    provider.listClusters = async () => []
    const {promise} = run(provider, {name: 'dev', kubeconfig: kubeconfigFile()})
    await assert.rejects(promise, ClusterExistsError)
    assert.deepEqual(provider.deleted, [])
    assert.ok(provider.claims.has('dev'), 'the other create keeps its claim')
    assert.equal(provider.nodes.length, 0)
  })

  test('a failing join rolls back as a visible step; the kubeconfig is never touched', async () => {
    const provider = new FakeProvider()
    provider.override = (node, command) => (node.name === 'dev-worker' && command[0] === 'kubeadm' ? {stdout: 'error execution phase kubelet-start', stderr: '', exitCode: 1} : undefined)
    const kubeconfig = kubeconfigFile(OTHER)
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    const events: ProgressEvent[] = []
    await assert.rejects(
      createClusterFromSpec(
        {name: 'dev', nodes: [{role: 'control-plane'}, {role: 'worker'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}},
        {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfig},
        {provider, images: fakeClusterImages(), runner: new SequentialStepRunner((e) => events.push(e))},
      ),
      (error: unknown) => error instanceof CommandFailedError && /kubelet-start/.test(String(error.details?.output)) && (error.details?.commandLine as string).startsWith('docker exec kcluster.dev.worker kubeadm join'),
    )
    assert.deepEqual(
      events.filter((e) => e.stepId === 'rollback').map((e) => e.state),
      ['start', 'info', 'done'],
    )
    assert.deepEqual(provider.deleted, ['dev'])
    assert.equal(readFileSync(kubeconfig, 'utf8'), OTHER)
  })

  test('a failure after the kubeconfig was written restores the previous current-context', async () => {
    const provider = new FakeProvider()
    provider.failRelease = true
    const kubeconfig = kubeconfigFile(OTHER)
    const {promise} = run(provider, {name: 'dev', kubeconfig})
    await assert.rejects(promise, /the engine went away/)
    const config = yaml.load(readFileSync(kubeconfig, 'utf8')) as any
    assert.equal(config['current-context'], 'other')
    assert.deepEqual(config.contexts.map((c: any) => c.name), ['other'])
    assert.deepEqual(provider.deleted, ['dev'])
  })

  test('a node container that dies fails the wait at once with its state, not after the timeout', async () => {
    const provider = new FakeProvider()
    provider.override = (node, command) => {
      if (command.join(' ').includes('get nodes -o json')) node.running = false
      return undefined
    }
    const started = Date.now()
    const {promise} = run(provider, {name: 'dev', kubeconfig: kubeconfigFile(), wait: '5m'})
    await assert.rejects(promise, (error: unknown) => error instanceof NodeNotRunningError && /kcluster\.dev\.control-plane is not running \(exited, exit code 137\)/.test(error.message))
    assert.ok(Date.now() - started < 5000)
    assert.deepEqual(provider.deleted, ['dev'])
  })

  test('a wait that times out tells the last error it saw', async () => {
    const provider = new FakeProvider()
    provider.override = (_node, command) => (command[3] === 'kcluster-dns-wait' ? {stdout: ';; connection timed out; no servers could be reached\n', stderr: '', exitCode: 1} : undefined)
    const {promise} = run(provider, {name: 'dev', kubeconfig: kubeconfigFile(), wait: '500ms'})
    await assert.rejects(promise, (error: unknown) => error instanceof TimeoutError && /last error: nslookup: ;; connection timed out/.test(error.message))
  })

  test('--retain keeps everything and says how to remove it', async () => {
    const provider = new FakeProvider()
    provider.override = (_node, command) => (command[0] === 'kubeadm' ? {stdout: 'boom', stderr: '', exitCode: 1} : undefined)
    const {promise, events} = run(provider, {name: 'dev', kubeconfig: kubeconfigFile(), retain: true})
    await assert.rejects(promise, (error: unknown) => error instanceof KclusterError && /kcluster delete --name dev/.test(String(error.details?.retained)))
    assert.deepEqual(provider.deleted, [])
    assert.equal(provider.nodes.length, 1)
    assert.ok(!events.some((e) => e.stepId === 'rollback'))
  })

  test('an interrupt stops the steps; the rollback still runs to the end', async () => {
    const provider = new FakeProvider()
    const controller = new AbortController()
    provider.override = (_node, command) => {
      if (command[0] === 'kubeadm') controller.abort(new InterruptedError())
      return undefined
    }
    const {promise, events} = run(provider, {name: 'dev', kubeconfig: kubeconfigFile()}, {signal: controller.signal})
    await assert.rejects(promise, InterruptedError)
    assert.ok(!events.some((e) => e.stepId === 'install-pod-network'))
    assert.deepEqual(events.filter((e) => e.stepId === 'rollback').map((e) => e.state).at(-1), 'done')
    assert.deepEqual(provider.deleted, ['dev'])
  })

  test('a rollback that fails too is told, with the command that finishes it', async () => {
    const provider = new FakeProvider()
    provider.override = (_node, command) => (command[0] === 'kubeadm' ? {stdout: 'boom', stderr: '', exitCode: 1} : undefined)
    provider.deleteCluster = async () => {
      throw new Error('engine said no')
    }
    const {promise, events} = run(provider, {name: 'dev', kubeconfig: kubeconfigFile()})
    await assert.rejects(promise, (error: unknown) => error instanceof CommandFailedError && /cleanup failed too: engine said no.*kcluster delete --name dev/.test(error.message))
    assert.equal(events.filter((e) => e.stepId === 'rollback').at(-1)?.state, 'fail')
  })

  test('a subnet taken by a concurrent create meanwhile: planned again on the next free one', async () => {
    const provider = new FakeProvider()
    provider.subnetsTakenOnce = ['172.30.0.0/24']
    const result = await run(provider, {name: 'dev', kubeconfig: kubeconfigFile()}).promise
    assert.deepEqual(result.network, {name: 'kcluster-dev', subnet: '172.30.1.0/24'})
    assert.equal(result.nodes[0]!.ipv4, '172.30.1.10')
  })

  test('a host port already held is named with its holder before anything is created', async () => {
    const provider = new FakeProvider()
    provider.takenPorts.set('127.0.0.1:40123/tcp', 'container web-1')
    await assert.rejects(run(provider, {name: 'dev', kubeconfig: kubeconfigFile()}).promise, (error: unknown) => {
      assert.ok(error instanceof InvalidInputError)
      assert.deepEqual(error.problems, [{field: 'networking.apiServerPort', message: 'host port 127.0.0.1:40123/tcp is already in use by container web-1; free it or choose another port'}])
      return true
    })
    assert.equal(provider.claims.size + provider.nodes.length + provider.networks.size, 0)
  })

  test('--image: kubeadm gets the version the image carries, not the default', async () => {
    const provider = new FakeProvider()
    const images = fakeClusterImages({'me/node:dev': {'io.kcluster.kubernetes-version': 'v1.34.1', 'io.kcluster.bundled-images': 'flannel=me/flannel:dev'}})
    const result = await run(provider, {name: 'dev', kubeconfig: kubeconfigFile(), image: 'me/node:dev', addons: ['-storage']}, {images}).promise
    assert.equal(result.kubernetesVersion, 'v1.34.1')
    const init = yaml.loadAll(provider.node('dev-control-plane').files.get('/etc/kcluster/kubeadm.yaml')!) as any[]
    assert.equal(init.find((d) => d.kind === 'ClusterConfiguration').kubernetesVersion, 'v1.34.1')
    assert.deepEqual(images.built, [], 'a given image is never built')
    assert.equal(provider.node('dev-control-plane').commands.filter((c) => c.includes('apply')).length, 1, 'the pod network only: storage turned off (--addons=-storage)')
  })

  test('a node image of another Kubernetes version is refused, naming the node, before anything is created', async () => {
    const provider = new FakeProvider()
    const images = fakeClusterImages({'me/node:old': {'io.kcluster.kubernetes-version': 'v1.34.1'}})
    const {createClusterFromSpec} = await import('../../src/lifecycle/create-cluster.js')
    await assert.rejects(
      createClusterFromSpec(
        {name: 'dev', nodes: [{role: 'control-plane'}, {role: 'worker', image: 'me/node:old'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}},
        {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfigFile()},
        {provider, images},
      ),
      (error: unknown) => error instanceof InvalidInputError && error.problems[0]!.field === 'nodes[1].image' && /v1\.34\.1, the cluster v1\.34\.4/.test(error.problems[0]!.message),
    )
    assert.equal(provider.claims.size + provider.nodes.length, 0)
  })

  test('--image with another --kubernetes-version is refused before anything is created', async () => {
    const provider = new FakeProvider()
    const images = fakeClusterImages({'me/node:dev': {'io.kcluster.kubernetes-version': 'v1.34.1'}})
    await assert.rejects(run(provider, {name: 'dev', kubeconfig: kubeconfigFile(), image: 'me/node:dev', kubernetesVersion: 'v1.34.4'}, {images}).promise, InvalidInputError)
    assert.equal(provider.claims.size + provider.nodes.length, 0)
  })
})
