// Ports after create: the pure rules (arguments, the front's address, its
// container spec and labels) as tables, and port add/remove/list against the
// fake provider.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import type Docker from 'dockerode'
import {ClusterMissingError, ExitCode, HostPortError, InvalidInputError, KclusterError} from '../../src/errors/index.js'
import {addPort, chooseTargetNode, listPorts, removePort} from '../../src/lifecycle/ports.js'
import {portFrontContainerName} from '../../src/plan/names.js'
import {bindsCollide, chooseFrontAddress, parseFrontProtocol, parseHostPort, parseListenAddress, parsePortMapping} from '../../src/plan/ports.js'
import {DockerProvider} from '../../src/provider/docker/docker-provider.js'
import {createdPortsOf, frontPortOf, portFrontContainerSpec} from '../../src/provider/docker/ports.js'
import {CLUSTER_LABEL, KIND_LABEL} from '../../src/provider/labels.js'
import type {NodeContainerSpec, PortFrontSpec} from '../../src/provider/types.js'
import {FakeProvider} from '../fakes/provider.js'

const exitCodeOf = (fn: () => unknown): number => {
  try {
    fn()
  } catch (error) {
    return (error as KclusterError).exitCode
  }
  return 0
}

describe('port arguments', () => {
  test('HOSTPORT:NODEPORT', () => {
    assert.deepEqual(parsePortMapping('8080:30080'), {hostPort: 8080, nodePort: 30080})
    assert.deepEqual(parsePortMapping(' 1:65535 '), {hostPort: 1, nodePort: 65535})
    for (const bad of ['8080', '8080:', ':30080', '0:30080', '8080:65536', '08080:30080', 'a:b', '8080:30080:1', '-1:30080', '8080/udp:30080']) {
      assert.equal(exitCodeOf(() => parsePortMapping(bad)), ExitCode.INVALID_INPUT, bad)
    }
    assert.throws(() => parsePortMapping('80'), (error: unknown) => error instanceof InvalidInputError && /HOSTPORT:NODEPORT: must be two port numbers.*"80"/.test(error.message))
  })

  test('HOSTPORT, listen address and protocol', () => {
    assert.equal(parseHostPort('8080'), 8080)
    assert.equal(exitCodeOf(() => parseHostPort('70000')), ExitCode.INVALID_INPUT)
    assert.equal(parseListenAddress('0.0.0.0'), '0.0.0.0')
    assert.equal(parseListenAddress('127.0.0.1'), '127.0.0.1')
    for (const bad of ['localhost', '::1', '127.0.0.256', '']) assert.equal(exitCodeOf(() => parseListenAddress(bad)), ExitCode.INVALID_INPUT, bad)
    assert.equal(parseFrontProtocol('UDP'), 'udp')
    assert.equal(exitCodeOf(() => parseFrontProtocol('sctp')), ExitCode.INVALID_INPUT)
  })

  test('binds collide on the same port and protocol when the addresses are equal or either is every address', () => {
    const at = (hostAddress: string, hostPort = 8080, protocol = 'tcp') => ({hostAddress, hostPort, protocol})
    assert.ok(bindsCollide(at('127.0.0.1'), at('127.0.0.1')))
    assert.ok(bindsCollide(at('0.0.0.0'), at('127.0.0.1')))
    assert.ok(bindsCollide(at('127.0.0.1'), at('0.0.0.0')))
    assert.ok(!bindsCollide(at('127.0.0.1'), at('192.168.1.5')))
    assert.ok(!bindsCollide(at('127.0.0.1'), at('127.0.0.1', 8081)))
    assert.ok(!bindsCollide(at('127.0.0.1'), at('127.0.0.1', 8080, 'udp')))
  })
})

describe('the front’s address and name', () => {
  test('the highest free address of .200–.254, never a node’s or the load balancer’s', () => {
    assert.equal(chooseFrontAddress('172.30.0.0/24', []), '172.30.0.254')
    assert.equal(chooseFrontAddress('172.30.0.0/24', ['172.30.0.254', '172.30.0.253', '172.30.0.10']), '172.30.0.252')
    // A cluster of 155 workers fills .100–.254: nothing is left, rather than an address of the node range below.
    const workers = Array.from({length: 155}, (_, i) => `172.30.0.${100 + i}`)
    assert.equal(chooseFrontAddress('172.30.0.0/24', workers), undefined)
    assert.equal(chooseFrontAddress('172.30.0.0/24', workers.slice(0, 150)), '172.30.0.254')
  })

  test('the container name says what it publishes', () => {
    assert.equal(portFrontContainerName('dev', {hostAddress: '127.0.0.1', hostPort: 8080, protocol: 'tcp'}), 'kcluster.dev.port-127.0.0.1-8080-tcp')
  })
})

const FRONT: PortFrontSpec = {
  cluster: 'dev',
  containerName: 'kcluster.dev.port-127.0.0.1-8080-tcp',
  image: 'kcluster/load-balancer:x',
  network: 'kcluster-dev',
  ipv4: '172.30.0.254',
  hostAddress: '127.0.0.1',
  hostPort: 8080,
  protocol: 'tcp',
  node: 'dev-control-plane',
  nodeAddress: '172.30.0.10',
  nodePort: 30080,
}

describe('the front container spec', () => {
  test('TCP: socat forwards to the node; the host port, a fixed address, labels, restarts unless stopped', () => {
    const spec = portFrontContainerSpec(FRONT)
    assert.equal(spec.name, FRONT.containerName)
    assert.deepEqual([...spec.Entrypoint!, ...spec.Cmd!], ['/usr/bin/socat', 'TCP4-LISTEN:30080,fork,reuseaddr', 'TCP4:172.30.0.10:30080'])
    assert.equal(spec.StopSignal, 'SIGKILL', 'a stop does not wait out its timeout')
    assert.deepEqual(spec.ExposedPorts, {'30080/tcp': {}})
    assert.deepEqual(spec.HostConfig!.PortBindings, {'30080/tcp': [{HostIp: '127.0.0.1', HostPort: '8080'}]})
    assert.deepEqual(spec.HostConfig!.RestartPolicy, {Name: 'unless-stopped'})
    assert.equal(spec.HostConfig!.NetworkMode, 'kcluster-dev')
    assert.deepEqual(spec.NetworkingConfig, {EndpointsConfig: {'kcluster-dev': {IPAMConfig: {IPv4Address: '172.30.0.254'}}}})
    assert.equal(spec.Labels![CLUSTER_LABEL], 'dev')
    assert.equal(spec.Labels![KIND_LABEL], 'port')
  })

  test('UDP: datagrams forwarded, an idle peer let go', () => {
    const spec = portFrontContainerSpec({...FRONT, protocol: 'udp', hostPort: 5353, nodePort: 30053})
    assert.deepEqual(spec.Cmd, ['-T', '60', 'UDP4-LISTEN:30053,fork,reuseaddr', 'UDP4:172.30.0.10:30053'])
    assert.deepEqual(spec.HostConfig!.PortBindings, {'30053/udp': [{HostIp: '127.0.0.1', HostPort: '5353'}]})
  })

  test('its labels give back everything port list shows', () => {
    assert.deepEqual(frontPortOf(FRONT.containerName, 'running', portFrontContainerSpec(FRONT).Labels!), {
      hostAddress: '127.0.0.1', hostPort: 8080, protocol: 'tcp', node: 'dev-control-plane', nodePort: 30080, source: 'port add', container: FRONT.containerName, state: 'running',
    })
    assert.equal(frontPortOf('x', 'running', {[KIND_LABEL]: 'port'}), undefined)
  })

  test('a node’s ports from its pinned bindings', () => {
    assert.deepEqual(createdPortsOf('kcluster.dev.control-plane', 'dev-control-plane', 'exited', {'6443/tcp': [{HostIp: '127.0.0.1', HostPort: '40123'}], '30053/udp': [{HostIp: '', HostPort: '53'}]}), [
      {hostAddress: '127.0.0.1', hostPort: 40123, protocol: 'tcp', node: 'dev-control-plane', containerPort: 6443, source: 'create', container: 'kcluster.dev.control-plane', state: 'exited'},
      {hostAddress: '0.0.0.0', hostPort: 53, protocol: 'udp', node: 'dev-control-plane', containerPort: 30053, source: 'create', container: 'kcluster.dev.control-plane', state: 'exited'},
    ])
  })
})

/** A cluster "dev" of one control plane (API server on 40123) and one worker publishing 8443 → 30443. */
async function fakeCluster(): Promise<FakeProvider> {
  const provider = new FakeProvider()
  await provider.createNetwork({cluster: 'dev', name: 'kcluster-dev', subnet: '172.30.0.0/24', gateway: '172.30.0.1'})
  const node = (name: string, role: NodeContainerSpec['role'], ipv4: string, ports: NodeContainerSpec['ports']): NodeContainerSpec => ({
    cluster: 'dev', name, containerName: `kcluster.dev.${name.slice(4)}`, role, image: 'node', network: 'kcluster-dev', ipv4, securityMode: 'restricted', ports, mounts: [],
  })
  await provider.provisionNode(node('dev-worker', 'worker', '172.30.0.100', [{hostAddress: '0.0.0.0', hostPort: 8443, containerPort: 30443, protocol: 'tcp'}]))
  await provider.provisionNode(node('dev-control-plane', 'control-plane', '172.30.0.10', [{hostAddress: '127.0.0.1', hostPort: 40123, containerPort: 6443, protocol: 'tcp'}]))
  return provider
}

const images = {ensureLoadBalancer: async () => ({reference: 'kcluster/load-balancer:test'})}

describe('port add', () => {
  test('forwards to the first control plane by default, from a fixed address, without touching a node', async () => {
    const provider = await fakeCluster()
    const result = await addPort({name: 'dev', mapping: '8080:30080'}, {provider, images})
    assert.deepEqual(result, {
      cluster: 'dev',
      port: {hostAddress: '127.0.0.1', hostPort: 8080, protocol: 'tcp', node: 'dev-control-plane', nodePort: 30080, source: 'port add', container: 'kcluster.dev.port-127.0.0.1-8080-tcp', state: 'running'},
      target: '172.30.0.10:30080',
    })
    assert.deepEqual(provider.portFronts, [{...FRONT, image: 'kcluster/load-balancer:test'}])
    assert.ok(provider.nodes.every((n) => n.commands.length === 0))
  })

  test('--node, --listen, --protocol; a second front takes the next address', async () => {
    const provider = await fakeCluster()
    await addPort({name: 'dev', mapping: '8080:30080'}, {provider, images})
    const result = await addPort({name: 'dev', mapping: '5353:30053', node: 'dev-worker', listen: '0.0.0.0', protocol: 'udp'}, {provider, images})
    assert.equal(result.target, '172.30.0.100:30053')
    assert.equal(provider.portFronts[1]!.ipv4, '172.30.0.253')
    assert.equal(provider.portFronts[1]!.containerName, 'kcluster.dev.port-0.0.0.0-5353-udp')
  })

  test('addresses of other containers on the network are skipped, and one taken meanwhile is chosen again', async () => {
    const provider = await fakeCluster()
    provider.strangersOnNetwork.push('172.30.0.254')
    provider.addressesTakenOnce.push('172.30.0.253')
    await addPort({name: 'dev', mapping: '8080:30080'}, {provider, images})
    assert.equal(provider.portFronts[0]!.ipv4, '172.30.0.252')
  })

  test('an unknown node is refused naming the nodes', async () => {
    const provider = await fakeCluster()
    await assert.rejects(addPort({name: 'dev', mapping: '8080:30080', node: 'dev-worker2'}, {provider, images}), (error: unknown) => error instanceof InvalidInputError && /did you mean dev-worker\?.*nodes: dev-control-plane, dev-worker/.test(error.message))
    assert.equal(chooseTargetNode([{name: 'x-worker', role: 'worker'}, {name: 'x-control-plane2', role: 'control-plane'}, {name: 'x-control-plane', role: 'control-plane'}]), 'x-control-plane')
  })

  test('the same host port twice is refused with the command that removes the first, exit 3', async () => {
    const provider = await fakeCluster()
    await addPort({name: 'dev', mapping: '8080:30080'}, {provider, images})
    await assert.rejects(addPort({name: 'dev', mapping: '8080:30081', listen: '0.0.0.0'}, {provider, images}), (error: unknown) =>
      error instanceof HostPortError && error.exitCode === ExitCode.INVALID_INPUT && /already forwarded to dev-control-plane:30080/.test(error.message) && /kcluster port remove 8080 --name dev --listen 127\.0\.0\.1 --protocol tcp/.test(error.remedy ?? ''),
    )
    assert.equal(provider.portFronts.length, 1)
    // The same number over UDP is another port.
    await addPort({name: 'dev', mapping: '8080:30080', protocol: 'udp'}, {provider, images})
  })

  test('a host port the cluster published at create is refused naming its node container', async () => {
    const provider = await fakeCluster()
    await assert.rejects(addPort({name: 'dev', mapping: '8443:30080'}, {provider, images}), (error: unknown) => error instanceof HostPortError && /published by kcluster\.dev\.worker \(0\.0\.0\.0:8443\/tcp → container port 30443, since create\)/.test(error.message))
  })

  test('a host port something else holds is named before anything is created', async () => {
    const provider = await fakeCluster()
    provider.takenPorts.set('127.0.0.1:8080/tcp', 'container web')
    let ensured = false
    const error = await addPort({name: 'dev', mapping: '8080:30080'}, {provider, images: {ensureLoadBalancer: async () => ((ensured = true), {reference: 'x'})}}).catch((e: unknown) => e)
    assert.ok(error instanceof HostPortError && error.exitCode === ExitCode.INVALID_INPUT && /127\.0\.0\.1:8080\/tcp is already in use by container web/.test(error.message), String(error))
    assert.equal(ensured, false)
    assert.deepEqual(provider.portFronts, [])
  })

  test('a missing cluster: exit 5; a bad argument: exit 3 before Docker is asked', async () => {
    const provider = new FakeProvider()
    await assert.rejects(addPort({name: 'nope', mapping: '8080:30080'}, {provider, images}), (error: unknown) => error instanceof ClusterMissingError && error.exitCode === 5)
    await assert.rejects(addPort({name: 'nope', mapping: '8080'}, {provider, images}), (error: unknown) => error instanceof InvalidInputError)
  })
})

describe('port list and port remove', () => {
  test('list: create-time ports and added ones, in one stable shape', async () => {
    const provider = await fakeCluster()
    await addPort({name: 'dev', mapping: '8080:30080'}, {provider, images})
    const {ports} = await listPorts({name: 'dev'}, {provider})
    assert.deepEqual(ports.map((p) => [p.hostPort, p.source, p.node, 'nodePort' in p ? p.nodePort : p.containerPort]), [
      [8080, 'port add', 'dev-control-plane', 30080],
      [8443, 'create', 'dev-worker', 30443],
      [40123, 'create', 'dev-control-plane', 6443],
    ])
    await assert.rejects(listPorts({name: 'nope'}, {provider}), ClusterMissingError)
  })

  test('remove frees an added port; one that is not there is a note; a create-time port is refused', async () => {
    const provider = await fakeCluster()
    await addPort({name: 'dev', mapping: '8080:30080'}, {provider, images})
    const removed = await removePort({name: 'dev', hostPort: '8080'}, {provider})
    assert.equal(removed.removed, true)
    assert.equal(removed.port?.container, 'kcluster.dev.port-127.0.0.1-8080-tcp')
    assert.deepEqual(provider.portFronts, [])
    assert.deepEqual(await removePort({name: 'dev', hostPort: '8080'}, {provider}), {cluster: 'dev', removed: false})
    await assert.rejects(removePort({name: 'dev', hostPort: '40123'}, {provider}), (error: unknown) => error instanceof HostPortError && /part of the node container kcluster\.dev\.control-plane/.test(error.message) && error.exitCode === 3)
    assert.equal(provider.nodes.length, 2)
    await assert.rejects(removePort({name: 'nope', hostPort: '8080'}, {provider}), ClusterMissingError)
  })

  test('remove on a port published on two addresses asks for --listen', async () => {
    const provider = await fakeCluster()
    await addPort({name: 'dev', mapping: '9000:30080', listen: '127.0.0.1'}, {provider, images})
    await addPort({name: 'dev', mapping: '9000:30080', listen: '127.0.0.2'}, {provider, images})
    await assert.rejects(removePort({name: 'dev', hostPort: '9000'}, {provider}), /--listen/)
    assert.equal((await removePort({name: 'dev', hostPort: '9000', listen: '127.0.0.2'}, {provider})).port?.hostAddress, '127.0.0.2')
  })

  test('delete takes the fronts with the cluster', async () => {
    const provider = await fakeCluster()
    await addPort({name: 'dev', mapping: '8080:30080'}, {provider, images})
    await provider.deleteCluster('dev')
    assert.deepEqual(provider.portFronts, [])
  })
})

describe('list (Docker provider) with port fronts', () => {
  test('a front counts neither as a node nor as the API server, even when it publishes container port 6443', async () => {
    const labels = (kind: string, extra: Record<string, string> = {}) => ({[CLUSTER_LABEL]: 'dev', [KIND_LABEL]: kind, ...extra})
    const containers = [
      {Id: '1', Names: ['/kcluster.dev.control-plane'], State: 'running', Image: 'node', Labels: labels('node', {'io.kcluster.node': 'dev-control-plane', 'io.kcluster.role': 'control-plane'}), Ports: [{IP: '127.0.0.1', PrivatePort: 6443, PublicPort: 40123, Type: 'tcp'}], NetworkSettings: {Networks: {'kcluster-dev': {IPAddress: '172.30.0.10'}}}},
      {Id: '2', Names: ['/kcluster.dev.port-127.0.0.1-7443-tcp'], State: 'exited', Image: 'lb', Labels: labels('port'), Ports: [{IP: '127.0.0.1', PrivatePort: 6443, PublicPort: 7443, Type: 'tcp'}], NetworkSettings: {Networks: {'kcluster-dev': {IPAddress: '172.30.0.254'}}}},
    ]
    const docker = {listContainers: async () => containers, listNetworks: async () => [], listVolumes: async () => ({Volumes: []})} as unknown as Docker
    const [cluster] = await new DockerProvider(docker, {hasKmsg: true, hasModules: true}).listClusters()
    assert.equal(cluster!.state, 'running')
    assert.equal(cluster!.server, 'https://127.0.0.1:40123')
    assert.deepEqual(cluster!.nodes.map((n) => n.name), ['dev-control-plane'])
  })
})
