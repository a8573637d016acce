import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import yaml from 'js-yaml'
import {defaultNetworking, type NodeRole} from '../../src/config/cluster-spec.js'
import {kubeadmDocuments, renderKubeadmConfig} from '../../src/lifecycle/kubeadm/config.js'
import {withRotatingCertificate} from '../../src/lifecycle/kubeadm/kubelet-conf.js'
import {kineUnit} from '../../src/lifecycle/kine.js'
import {loadBalancerConfig} from '../../src/lifecycle/load-balancer.js'
import {cniConfig, networkManifest} from '../../src/lifecycle/pod-network.js'
import {planCluster} from '../../src/plan/plan-cluster.js'

const secrets = {token: 'abcdef.0123456789abcdef', certificateKey: 'ab'.repeat(32)}

function plan(roles: NodeRole[]) {
  return planCluster({name: 'dev', nodes: roles.map((role) => ({role})), networking: defaultNetworking()}, {subnetsInUse: [], freeApiServerPort: 40123})
}

/** Through YAML and back: what kubeadm will read. */
function documents(roles: NodeRole[], nodeIndex: number) {
  const p = plan(roles)
  const docs = yaml.loadAll(renderKubeadmConfig(kubeadmDocuments(p, p.nodes[nodeIndex]!, 'v1.34.4', secrets))) as any[]
  return Object.fromEntries(docs.map((d) => [d.kind, d]))
}

describe('kubeadm configuration of profile light', () => {
  const p = planCluster({name: 'dev', profile: 'light', nodes: [{role: 'control-plane'}, {role: 'worker'}], networking: defaultNetworking()}, {subnetsInUse: [], freeApiServerPort: 40123})
  const byKind = Object.fromEntries((yaml.loadAll(renderKubeadmConfig(kubeadmDocuments(p, p.nodes[0]!, 'v1.34.4', secrets))) as any[]).map((d) => [d.kind, d]))

  test('etcd is external: kine on the node\'s loopback over plain HTTP, with no certificate files', () => {
    assert.deepEqual(byKind.ClusterConfiguration.etcd, {external: {endpoints: ['http://127.0.0.1:2379']}})
  })
  test('the default profile keeps kubeadm\'s local etcd', () => {
    assert.deepEqual(documents(['control-plane'], 0).ClusterConfiguration.etcd, {local: {extraArgs: [{name: 'unsafe-no-fsync', value: 'true'}], extraEnvs: [{name: 'GOGC', value: '50'}]}})
  })
  test('the worker joins as with etcd: nothing of the datastore in its documents', () => {
    const join = yaml.loadAll(renderKubeadmConfig(kubeadmDocuments(p, p.nodes[1]!, 'v1.34.4', secrets))) as any[]
    assert.deepEqual(join.map((d) => d.kind), ['JoinConfiguration'])
  })
})

describe('kine\'s unit (profile light)', () => {
  test('listens on loopback only, keeps its database in /var, starts before kubelet and at every boot', () => {
    const unit = kineUnit()
    assert.match(unit, /^Before=kubelet\.service$/m)
    assert.match(unit, /^WantedBy=multi-user\.target$/m)
    assert.match(unit, /--listen-address=127\.0\.0\.1:2379 /)
    assert.match(unit, /--endpoint=sqlite:\/\/\/var\/lib\/kine\/state\.db\?_journal=WAL&/)
    // kine's metrics default to :8080 on every address; kept off it.
    assert.match(unit, /--metrics-bind-address=127\.0\.0\.1:2381$/m)
    assert.doesNotMatch(unit, /%/, 'systemd would expand a % specifier')
  })
})

describe('kubeadm configuration of the first control plane', () => {
  const byKind = documents(['control-plane'], 0)

  test('has the four documents kubeadm init reads', () => {
    assert.deepEqual(Object.keys(byKind).sort(), ['ClusterConfiguration', 'InitConfiguration', 'KubeProxyConfiguration', 'KubeletConfiguration'])
  })
  test('a lone control plane is not tainted and advertises its planned address', () => {
    assert.deepEqual(byKind.InitConfiguration.nodeRegistration.taints, [])
    assert.equal(byKind.InitConfiguration.localAPIEndpoint.advertiseAddress, '172.30.0.10')
    assert.equal(byKind.InitConfiguration.nodeRegistration.name, 'dev-control-plane')
    assert.deepEqual(byKind.InitConfiguration.nodeRegistration.kubeletExtraArgs, [{name: 'node-ip', value: '172.30.0.10'}])
    assert.deepEqual(byKind.InitConfiguration.bootstrapTokens, [{token: secrets.token}])
  })
  test('certificates cover the published address and the endpoint; subnets come from the plan', () => {
    const cluster = byKind.ClusterConfiguration
    assert.ok(cluster.apiServer.certSANs.includes('127.0.0.1'))
    assert.ok(cluster.apiServer.certSANs.includes('dev-control-plane'))
    assert.equal(cluster.controlPlaneEndpoint, 'dev-control-plane:6443')
    assert.equal(cluster.kubernetesVersion, 'v1.34.4')
    assert.deepEqual(cluster.networking, {podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16', dnsDomain: 'cluster.local'})
  })
  test('kubelet runs on cgroup v1 with cgroupfs and its own root, never collecting preloaded images', () => {
    const kubelet = byKind.KubeletConfiguration
    assert.equal(kubelet.failCgroupV1, false)
    assert.equal(kubelet.cgroupDriver, 'cgroupfs')
    assert.equal(kubelet.cgroupRoot, '/kubelet')
    assert.equal(kubelet.imageGCHighThresholdPercent, 100)
  })
  test('kubelet GETs the ConfigMaps and Secrets its pods mount, with no watch of its own to be refused first', () => {
    assert.equal(byKind.KubeletConfiguration.configMapAndSecretChangeDetectionStrategy, 'Get')
  })
  test('the scheduler is held until the API server is ready; the other components are not', () => {
    const cluster = byKind.ClusterConfiguration
    const held = {name: 'KCLUSTER_START_AFTER_READY_API_SERVER', value: 'true'}
    assert.deepEqual(cluster.scheduler.extraEnvs, [{name: 'GOGC', value: '50'}, held])
    for (const component of [cluster.apiServer, cluster.controllerManager, cluster.etcd.local]) assert.ok(!component.extraEnvs.some((e: {name: string}) => e.name === held.name))
  })
  test('kube-proxy leaves the host-global conntrack table alone', () => {
    assert.equal(byKind.KubeProxyConfiguration.conntrack.maxPerCore, 0)
  })
})

describe('kubeadm configuration of joining nodes', () => {
  test('a worker joins through the first control plane with the shared token', () => {
    const byKind = documents(['control-plane', 'worker'], 1)
    assert.deepEqual(Object.keys(byKind), ['JoinConfiguration'])
    const join = byKind.JoinConfiguration
    assert.deepEqual(join.discovery.bootstrapToken, {apiServerEndpoint: 'dev-control-plane:6443', token: secrets.token, unsafeSkipCAVerification: true})
    assert.equal(join.nodeRegistration.name, 'dev-worker')
    assert.deepEqual(join.nodeRegistration.taints, [])
    assert.equal(join.controlPlane, undefined)
  })
  test('a second control plane joins through the load balancer, with the certificate key and its own address', () => {
    const byKind = documents(['control-plane', 'control-plane', 'worker'], 1)
    const join = byKind.JoinConfiguration
    assert.equal(join.discovery.bootstrapToken.apiServerEndpoint, 'dev-load-balancer:6443')
    assert.deepEqual(join.controlPlane, {localAPIEndpoint: {advertiseAddress: '172.30.0.11', bindPort: 6443}, certificateKey: secrets.certificateKey})
    assert.deepEqual(join.nodeRegistration.taints, [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}])
  })
  test('with a load balancer, certificates cover it and every control plane', () => {
    const sans = documents(['control-plane', 'control-plane'], 0).ClusterConfiguration.apiServer.certSANs
    for (const name of ['dev-load-balancer', '172.30.0.2', 'dev-control-plane', '172.30.0.10', 'dev-control-plane2', '172.30.0.11']) assert.ok(sans.includes(name), name)
  })
})

describe('pod network', () => {
  test('CNI configuration: ptp with the node pod CIDR and MTU, then portmap', () => {
    const conf = cniConfig('10.244.3.0/24', 1450) as any
    assert.equal(conf.plugins[0].type, 'ptp')
    assert.equal(conf.plugins[0].mtu, 1450)
    assert.deepEqual(conf.plugins[0].ipam.ranges, [[{subnet: '10.244.3.0/24'}]])
    assert.equal(conf.plugins[1].type, 'portmap')
  })
  test('flanneld on every node, tainted or not, routing the pod subnet host to host and masquerading', () => {
    const docs = yaml.loadAll(networkManifest({podSubnet: '10.244.0.0/16', flannelImage: 'kcluster/flannel:v0.27.4-abc', apiServerHost: 'dev-control-plane', apiServerPort: 6443})) as any[]
    const daemonSet = docs.find((d) => d.kind === 'DaemonSet')
    const pod = daemonSet.spec.template.spec
    assert.equal(pod.hostNetwork, true)
    assert.deepEqual(pod.tolerations, [{operator: 'Exists'}])
    assert.equal(pod.containers[0].image, 'kcluster/flannel:v0.27.4-abc')
    assert.equal(pod.containers[0].imagePullPolicy, 'Never')
    assert.ok(pod.containers[0].args.includes('--ip-masq') && pod.containers[0].args.includes('--kube-subnet-mgr'))
    // Straight to the API server: kube-proxy may not serve the Service address yet.
    assert.deepEqual(pod.containers[0].env.slice(0, 2), [{name: 'KUBERNETES_SERVICE_HOST', value: 'dev-control-plane'}, {name: 'KUBERNETES_SERVICE_PORT', value: '6443'}])
    const netConf = JSON.parse(docs.find((d) => d.kind === 'ConfigMap').data['net-conf.json'])
    assert.deepEqual(netConf, {Network: '10.244.0.0/16', Backend: {Type: 'host-gw'}})
  })
})

describe('load balancer configuration', () => {
  test('passes TLS through to every control plane that answers /healthz, by fixed address', () => {
    const config = loadBalancerConfig(plan(['control-plane', 'control-plane', 'control-plane', 'worker']))
    assert.match(config, /^frontend kube-apiserver\n  bind \*:6443$/m)
    assert.match(config, /^  mode tcp$/m)
    // A stopped control plane costs a client at most a second: the connection goes to another one.
    assert.match(config, /^  timeout connect 1s$/m)
    assert.match(config, /^  option redispatch$/m)
    assert.match(config, /^  option httpchk GET \/healthz$/m)
    assert.deepEqual(config.match(/^  server .*$/gm), [
      '  server dev-control-plane 172.30.0.10:6443 check check-ssl verify none inter 1s fall 2 rise 1',
      '  server dev-control-plane2 172.30.0.11:6443 check check-ssl verify none inter 1s fall 2 rise 1',
      '  server dev-control-plane3 172.30.0.12:6443 check check-ssl verify none inter 1s fall 2 rise 1',
    ])
  })
})

describe('storage', () => {
  test('a node image tells the images of its bundled parts in a label', async () => {
    const {nodeImageFacts} = await import('../../src/lifecycle/cluster-images.js')
    assert.deepEqual(nodeImageFacts({'io.kcluster.kubernetes-version': 'v1.34.4', 'io.kcluster.bundled-images': 'local-path-provisioner=a:1,flannel=b:2'}), {kubernetesVersion: 'v1.34.4', bundled: {'local-path-provisioner': 'a:1', flannel: 'b:2'}})
    assert.deepEqual(nodeImageFacts({}), {bundled: {}})
  })
})

describe("kubelet-finalize's edit, without the restart", () => {
  test("the node's user reads certificate and key from the kubelet's store; nothing else changes", () => {
    const before = 'apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster: {server: "https://dev-control-plane:6443", certificate-authority-data: Q0E=}\ncontexts:\n- name: ctx\n  context: {cluster: kubernetes, user: "system:node:dev-control-plane"}\ncurrent-context: ctx\nusers:\n- name: "system:node:dev-control-plane"\n  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}\n'
    const after = yaml.load(withRotatingCertificate(before, 'dev-control-plane')) as any
    assert.deepEqual(after.users, [{name: 'system:node:dev-control-plane', user: {'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem', 'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem'}}])
    assert.deepEqual(after.clusters, (yaml.load(before) as any).clusters)
    assert.equal(after['current-context'], 'ctx')
    assert.throws(() => withRotatingCertificate(before, 'other'), /no user system:node:other/)
  })
})
