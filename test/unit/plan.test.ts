import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {defaultNetworking, type ClusterSpec, type NodeRole} from '../../src/config/cluster-spec.js'
import {InvalidInputError} from '../../src/errors/index.js'
import {addressAt, overlaps, parseSubnet} from '../../src/plan/ipv4.js'
import {nodeContainerName, nodeName} from '../../src/plan/names.js'
import {chooseNodeSubnet, hostPortsToChoose, planCluster, type PlanFacts} from '../../src/plan/plan-cluster.js'
import {routedSubnets} from '../../src/provider/docker/routes.js'

const facts: PlanFacts = {subnetsInUse: ['172.17.0.0/16', '172.18.0.0/16'], freeApiServerPort: 40123}
const CP_TAINT = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}

function spec(roles: NodeRole[], overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {name: 'dev', nodes: roles.map((role) => ({role})), networking: defaultNetworking(), ...overrides}
}

/** The columns a reader checks first: node, container, role, bootstrap, address, published ports, taints. */
function table(s: ClusterSpec) {
  const plan = planCluster(s, facts)
  return plan.nodes.map((n) => [n.name, n.containerName, n.role, n.bootstrap, n.ipv4, n.ports.map((p) => `${p.hostAddress}:${p.hostPort}->${p.containerPort}`).join(','), n.taints.map((t) => t.key).join(',')])
}

describe('planCluster', () => {
  test('1 node: an untainted control plane publishing the API server', () => {
    assert.deepEqual(table(spec(['control-plane'])), [['dev-control-plane', 'kcluster.dev.control-plane', 'control-plane', 'init', '172.30.0.10', '127.0.0.1:40123->6443', '']])
    const plan = planCluster(spec(['control-plane']), facts)
    assert.equal(plan.loadBalancer, undefined)
    assert.deepEqual(plan.network, {name: 'kcluster-dev', subnet: '172.30.0.0/24', gateway: '172.30.0.1'})
    assert.deepEqual(plan.apiServer, {hostAddress: '127.0.0.1', hostPort: 40123, server: 'https://127.0.0.1:40123', endpoint: 'dev-control-plane:6443', endpointHost: 'dev-control-plane', endpointIpv4: '172.30.0.10'})
    assert.equal(plan.contextName, 'kcluster-dev')
    assert.equal(plan.kubernetesServiceIp, '10.96.0.1')
    assert.equal(plan.clusterDnsIp, '10.96.0.10')
  })

  test('the profile: default unless the spec says light; light takes one control plane and any workers, and refuses a second control plane at its field', () => {
    assert.equal(planCluster(spec(['control-plane']), facts).profile, 'default')
    const light = planCluster(spec(['control-plane', 'worker', 'worker'], {profile: 'light'}), facts)
    assert.equal(light.profile, 'light')
    assert.deepEqual(light.nodes.map((n) => n.bootstrap), ['init', 'join-worker', 'join-worker'])
    assert.throws(
      () => planCluster(spec(['control-plane', 'control-plane', 'worker', 'control-plane'], {profile: 'light'}), facts),
      (error: unknown) => error instanceof InvalidInputError && JSON.stringify(error.problems.map((p) => p.field)) === JSON.stringify(['nodes[1].role', 'nodes[3].role']),
    )
  })

  test('1 + 2: workers join, the control plane keeps its taint, workers get the worker role label', () => {
    assert.deepEqual(table(spec(['control-plane', 'worker', 'worker'])), [
      ['dev-control-plane', 'kcluster.dev.control-plane', 'control-plane', 'init', '172.30.0.10', '127.0.0.1:40123->6443', CP_TAINT.key],
      ['dev-worker', 'kcluster.dev.worker', 'worker', 'join-worker', '172.30.0.100', '', ''],
      ['dev-worker2', 'kcluster.dev.worker2', 'worker', 'join-worker', '172.30.0.101', '', ''],
    ])
    const plan = planCluster(spec(['control-plane', 'worker', 'worker']), facts)
    assert.deepEqual(plan.nodes[0]!.taints, [CP_TAINT])
    assert.deepEqual(plan.nodes[1]!.labels, {'node-role.kubernetes.io/worker': ''})
    assert.deepEqual(plan.nodes[0]!.labels, {})
  })

  test('3 + 1: a load balancer publishes the API server; the first control plane initialises, the others join', () => {
    assert.deepEqual(table(spec(['control-plane', 'control-plane', 'control-plane', 'worker'])), [
      ['dev-control-plane', 'kcluster.dev.control-plane', 'control-plane', 'init', '172.30.0.10', '', CP_TAINT.key],
      ['dev-control-plane2', 'kcluster.dev.control-plane2', 'control-plane', 'join-control-plane', '172.30.0.11', '', CP_TAINT.key],
      ['dev-control-plane3', 'kcluster.dev.control-plane3', 'control-plane', 'join-control-plane', '172.30.0.12', '', CP_TAINT.key],
      ['dev-worker', 'kcluster.dev.worker', 'worker', 'join-worker', '172.30.0.100', '', ''],
    ])
    const plan = planCluster(spec(['control-plane', 'control-plane', 'control-plane', 'worker']), facts)
    assert.deepEqual(plan.loadBalancer, {
      name: 'dev-load-balancer',
      containerName: 'kcluster.dev.load-balancer',
      ipv4: '172.30.0.2',
      ports: [{hostAddress: '127.0.0.1', hostPort: 40123, containerPort: 6443, protocol: 'tcp', field: 'networking.apiServerPort'}],
    })
    assert.equal(plan.apiServer.endpoint, 'dev-load-balancer:6443')
    assert.equal(plan.apiServer.endpointIpv4, '172.30.0.2', 'pods that cannot resolve names yet reach the load balancer by address')
  })

  test('the node order of the spec is kept; a worker listed first does not initialise', () => {
    const plan = planCluster(spec(['worker', 'control-plane']), facts)
    assert.deepEqual(plan.nodes.map((n) => [n.name, n.bootstrap]), [['dev-worker', 'join-worker'], ['dev-control-plane', 'init']])
  })

  test('a pinned API port and address are used as given', () => {
    const plan = planCluster(spec(['control-plane'], {networking: {...defaultNetworking(), apiServerAddress: '0.0.0.0', apiServerPort: 6443}}), facts)
    assert.deepEqual(plan.nodes[0]!.ports, [{hostAddress: '0.0.0.0', hostPort: 6443, containerPort: 6443, protocol: 'tcp', field: 'networking.apiServerPort'}])
    assert.equal(plan.apiServer.server, 'https://127.0.0.1:6443', 'a server published on every address is reached on loopback')
  })

  test('service and DNS addresses follow the service subnet', () => {
    const plan = planCluster(spec(['control-plane'], {networking: {...defaultNetworking(), serviceSubnet: '10.100.0.0/20'}}), facts)
    assert.equal(plan.kubernetesServiceIp, '10.100.0.1')
    assert.equal(plan.clusterDnsIp, '10.100.0.10')
  })

  test('the node network avoids every subnet in use and the cluster’s own pod and service subnets', () => {
    const busy = planCluster(spec(['control-plane']), {...facts, subnetsInUse: ['172.30.0.0/23', '10.0.0.0/8']})
    assert.equal(busy.network.subnet, '172.30.2.0/24')
    const whole = planCluster(spec(['control-plane']), {...facts, subnetsInUse: ['172.30.0.0/16']})
    assert.equal(whole.network.subnet, '10.240.0.0/24')
    const own = planCluster(spec(['control-plane'], {networking: {...defaultNetworking(), podSubnet: '172.30.0.0/20'}}), facts)
    assert.equal(own.network.subnet, '172.30.16.0/24')
  })

  test('every problem of the spec at once', () => {
    assert.throws(
      () => planCluster(spec(['worker'], {networking: {...defaultNetworking(), podSubnet: '10.244.0.1/16', serviceSubnet: 'ten'}}), facts),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError)
        assert.deepEqual(error.problems.map((p) => p.field), ['networking.podSubnet', 'networking.serviceSubnet', 'nodes'])
        return true
      },
    )
    assert.throws(() => planCluster(spec(['control-plane'], {networking: {...defaultNetworking(), serviceSubnet: '10.244.128.0/20'}}), facts), /overlaps networking.podSubnet/)
  })

  test('no free subnet left is a clear error', () => {
    assert.throws(() => chooseNodeSubnet(['0.0.0.0/1', '128.0.0.0/1']), /no free \/24 subnet/)
  })
})

describe('names', () => {
  test('container names can never equal a kind node container name', () => {
    // kind names nodes <cluster>-control-plane[N], <cluster>-worker[N], <cluster>-external-load-balancer.
    const kind = /-(control-plane\d*|worker\d*|external-load-balancer)$/
    for (const cluster of ['dev', 'kcluster', 'kcluster-dev', 'a-worker']) {
      for (const [role, index] of [['control-plane', 0], ['control-plane', 2], ['worker', 0], ['worker', 5]] as const) {
        assert.doesNotMatch(nodeContainerName(cluster, role, index), kind)
        assert.equal(nodeName(cluster, role, index), `${cluster}-${role}${index === 0 ? '' : index + 1}`)
      }
    }
  })
})

describe('ipv4', () => {
  test('subnets parse only without host bits; overlap and offsets are exact', () => {
    assert.deepEqual(parseSubnet('10.96.0.0/12'), {base: 10 * 2 ** 24 + 96 * 2 ** 16, prefix: 12})
    assert.equal(parseSubnet('10.96.0.1/12'), undefined)
    assert.equal(parseSubnet('300.1.1.0/24'), undefined)
    assert.ok(overlaps(parseSubnet('10.0.0.0/8')!, parseSubnet('10.244.0.0/16')!))
    assert.ok(!overlaps(parseSubnet('172.30.0.0/24')!, parseSubnet('172.30.1.0/24')!))
    assert.equal(addressAt(parseSubnet('172.30.5.0/24')!, 100), '172.30.5.100')
    assert.throws(() => addressAt(parseSubnet('172.30.5.0/24')!, 256), RangeError)
  })
})

describe('routedSubnets', () => {
  test('reads /proc/net/route, leaving out the default route', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    ].join('\n')
    assert.deepEqual(routedSubnets(text), ['172.17.0.0/16', '192.0.2.0/24'])
  })
})

describe('planCluster: ports, mounts and labels of the nodes', () => {
  const mapping = (containerPort: number, hostPort: number, listenAddress = '127.0.0.1', protocol: 'tcp' | 'udp' | 'sctp' = 'tcp') => ({containerPort, hostPort, listenAddress, protocol})
  const withPorts = (...perNode: ReturnType<typeof mapping>[][]): ClusterSpec =>
    spec([], {nodes: perNode.map((extraPortMappings, i) => ({role: i === 0 ? 'control-plane' : 'worker', extraPortMappings}))})

  test('extra mappings follow the API server port of the first control plane, as given', () => {
    const plan = planCluster(withPorts([mapping(80, 8080, '0.0.0.0'), mapping(53, 5353, '127.0.0.1', 'udp')], [mapping(9000, 9000, '127.0.0.1', 'sctp')]), facts)
    assert.deepEqual(plan.nodes[0]!.ports, [
      {hostAddress: '127.0.0.1', hostPort: 40123, containerPort: 6443, protocol: 'tcp', field: 'networking.apiServerPort'},
      {hostAddress: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp', field: 'nodes[0].extraPortMappings[0].hostPort'},
      {hostAddress: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp', field: 'nodes[0].extraPortMappings[1].hostPort'},
    ])
    assert.deepEqual(plan.nodes[1]!.ports, [{hostAddress: '127.0.0.1', hostPort: 9000, containerPort: 9000, protocol: 'sctp', field: 'nodes[1].extraPortMappings[0].hostPort'}])
  })

  test('host port 0 takes the free ports of the facts in order; without them (a dry run) it stays 0', () => {
    const s = withPorts([mapping(80, 0), mapping(443, 8443)], [mapping(30000, 0, '0.0.0.0', 'udp')])
    assert.deepEqual(hostPortsToChoose(s), [
      {field: 'nodes[0].extraPortMappings[0].hostPort', listenAddress: '127.0.0.1', protocol: 'tcp'},
      {field: 'nodes[1].extraPortMappings[0].hostPort', listenAddress: '0.0.0.0', protocol: 'udp'},
    ])
    const chosen = planCluster(s, {...facts, freeHostPorts: [41000, 41001]})
    assert.deepEqual(chosen.nodes.flatMap((n) => n.ports.map((p) => p.hostPort)), [40123, 41000, 8443, 41001])
    const dry = planCluster(s, {subnetsInUse: []})
    assert.deepEqual(dry.nodes.flatMap((n) => n.ports.map((p) => p.hostPort)), [0, 0, 8443, 0])
    assert.equal(dry.apiServer.hostPort, 0, 'the API server port too is chosen at create')
    assert.throws(() => planCluster(s, {...facts, freeHostPorts: [41000]}), /2 free host ports needed, 1 given/)
  })

  test('mounts and labels are the node’s; workers keep their role label beside their own', () => {
    const mount = {hostPath: '/srv/data', containerPath: '/data', readOnly: true, selinuxRelabel: false, propagation: 'HostToContainer' as const}
    const plan = planCluster(spec([], {nodes: [{role: 'control-plane', labels: {zone: 'a'}}, {role: 'worker', labels: {tier: 'db'}, extraMounts: [mount]}]}), facts)
    assert.deepEqual(plan.nodes[0]!.labels, {zone: 'a'})
    assert.deepEqual(plan.nodes[1]!.labels, {'node-role.kubernetes.io/worker': '', tier: 'db'})
    assert.deepEqual(plan.nodes[1]!.mounts, [mount])
    assert.deepEqual(plan.nodes[0]!.mounts, [])
  })

  test('the same host port and protocol twice is an error naming both; 0.0.0.0 collides with any address', () => {
    assert.throws(
      () =>
        planCluster(
          withPorts(
            [mapping(80, 80, '0.0.0.0'), mapping(53, 53, '127.0.0.1', 'udp'), mapping(81, 81, '127.0.0.1')],
            [mapping(8080, 80, '127.0.0.2'), mapping(53, 53, '127.0.0.1', 'tcp'), mapping(82, 81, '127.0.0.2'), mapping(83, 81, '127.0.0.1')],
          ),
          facts,
        ),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError)
        assert.deepEqual(error.problems, [
          {field: 'nodes[1].extraPortMappings[0].hostPort', message: '80/tcp on 127.0.0.2 is already published by nodes[0].extraPortMappings[0] on 0.0.0.0'},
          {field: 'nodes[1].extraPortMappings[3].hostPort', message: '81/tcp on 127.0.0.1 is already published by nodes[0].extraPortMappings[2] on 127.0.0.1'},
        ])
        return true
      },
    )
  })

  test('a pinned API server port collides with an extra mapping of the same port', () => {
    const s = withPorts([mapping(8443, 6443)])
    s.networking.apiServerPort = 6443
    assert.throws(() => planCluster(s, facts), (error: unknown) => error instanceof InvalidInputError && error.problems[0]!.field === 'nodes[0].extraPortMappings[0].hostPort' && /already published by the API server/.test(error.problems[0]!.message))
  })

  test('what kubeadm is asked for travels in the plan, each patch with its field', () => {
    const patch = {group: 'kubeadm.k8s.io', version: '', kind: 'JoinConfiguration', patch: '[]'}
    const plan = planCluster(
      spec([], {
        nodes: [{role: 'control-plane'}, {role: 'worker', kubeadmConfigPatchesJSON6902: [patch]}],
        networking: {...defaultNetworking(), kubeProxyMode: 'nftables', disableDefaultCNI: true},
        featureGates: {A: true},
        runtimeConfig: {'api/alpha': 'false'},
        kubeadmConfigPatches: ['kind: ClusterConfiguration'],
        containerdConfigPatches: ['[plugins]'],
      }),
      facts,
    )
    assert.equal(plan.kubeProxyMode, 'nftables')
    assert.equal(plan.disableDefaultCNI, true)
    assert.deepEqual(plan.featureGates, {A: true})
    assert.deepEqual(plan.runtimeConfig, {'api/alpha': 'false'})
    assert.deepEqual(plan.kubeadmPatches, {merge: [{field: 'kubeadmConfigPatches[0]', patch: 'kind: ClusterConfiguration'}], json6902: []})
    assert.deepEqual(plan.nodes[1]!.kubeadmPatches, {merge: [], json6902: [{field: 'nodes[1].kubeadmConfigPatchesJSON6902[0]', patch}]})
    assert.deepEqual(plan.containerdPatches, {merge: ['[plugins]'], json6902: []})
    const plain = planCluster(spec(['control-plane']), facts)
    assert.equal(plain.kubeProxyMode, 'iptables')
    assert.equal(plain.disableDefaultCNI, false)
  })
})
