import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import * as tar from 'tar'
import {loadBalancerContainerSpec, networkCreateOptions, nodeContainerSpec} from '../../src/provider/docker/container-spec.js'
import {splitReference} from '../../src/provider/docker/images.js'
import {tarOfOneFile} from '../../src/provider/docker/tar-entry.js'
import type {NodeContainerSpec} from '../../src/provider/types.js'

const spec = (overrides: Partial<NodeContainerSpec> = {}): NodeContainerSpec => ({
  cluster: 'dev',
  name: 'dev-control-plane',
  containerName: 'kcluster.dev.control-plane',
  role: 'control-plane',
  image: 'kcluster/node:v1.34.4-abc',
  network: 'kcluster-dev',
  ipv4: '172.30.0.10',
  securityMode: 'restricted',
  ports: [{hostAddress: '127.0.0.1', hostPort: 40123, containerPort: 6443, protocol: 'tcp'}],
  mounts: [],
  ...overrides,
})
const host = {hasKmsg: true, hasModules: false}

describe('nodeContainerSpec', () => {
  test('restricted mode: every capability but SYS_RESOURCE, unmasked paths, kmsg passed in', () => {
    const c = nodeContainerSpec(spec(), host)
    const hc = c.HostConfig as any
    assert.equal(hc.Privileged, undefined)
    assert.deepEqual(hc.CapAdd, ['ALL'])
    assert.deepEqual(hc.CapDrop, ['SYS_RESOURCE'])
    assert.deepEqual(hc.MaskedPaths, [])
    assert.deepEqual(hc.ReadonlyPaths, [])
    assert.ok(hc.SecurityOpt.includes('seccomp=unconfined'))
    assert.deepEqual(hc.DeviceCgroupRules, ['a *:* rwm'])
    assert.equal(hc.CgroupnsMode, 'private')
    assert.deepEqual(hc.Devices, [{PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm'}])
  })

  test('privileged mode needs no capability list and no devices', () => {
    const hc = nodeContainerSpec(spec({securityMode: 'privileged'}), host).HostConfig as any
    assert.equal(hc.Privileged, true)
    assert.equal(hc.CapAdd, undefined)
    assert.deepEqual(hc.Devices, [])
    assert.equal(hc.CgroupnsMode, 'private')
  })

  test('names: container name apart from host name; labels; /var volume with labels', () => {
    const c = nodeContainerSpec(spec(), host)
    assert.equal(c.name, 'kcluster.dev.control-plane')
    assert.equal(c.Hostname, 'dev-control-plane')
    assert.deepEqual(c.Labels, {'io.kcluster.cluster': 'dev', 'io.kcluster.kind': 'node', 'io.kcluster.role': 'control-plane', 'io.kcluster.node': 'dev-control-plane'})
    const varMount = (c.HostConfig as any).Mounts.find((m: any) => m.Target === '/var')
    assert.equal(varMount.Source, 'kcluster.dev.control-plane.var')
    assert.equal(varMount.VolumeOptions.Labels['io.kcluster.cluster'], 'dev')
    assert.equal(c.StopSignal, 'SIGRTMIN+3')
    assert.ok(!(c.HostConfig as any).Mounts.some((m: any) => m.Target === '/lib/modules'), 'no /lib/modules when the host has none')
  })

  test('the planned address and host port are pinned, the node name is its alias on the network', () => {
    const c = nodeContainerSpec(spec(), host)
    assert.deepEqual((c.HostConfig as any).PortBindings, {'6443/tcp': [{HostIp: '127.0.0.1', HostPort: '40123'}]})
    assert.deepEqual(c.ExposedPorts, {'6443/tcp': {}})
    assert.equal((c.HostConfig as any).NetworkMode, 'kcluster-dev')
    assert.deepEqual(c.NetworkingConfig?.EndpointsConfig?.['kcluster-dev'], {Aliases: ['dev-control-plane'], IPAMConfig: {IPv4Address: '172.30.0.10'}})
  })

  test('a worker publishes nothing; user mounts are bind mounts', () => {
    const c = nodeContainerSpec(
      spec({
        ports: [],
        role: 'worker',
        mounts: [
          {hostPath: '/srv/data', containerPath: '/data', readOnly: true, propagation: 'None', selinuxRelabel: false},
          {hostPath: '/dev/disk', containerPath: '/host-disk', readOnly: false, propagation: 'HostToContainer', selinuxRelabel: true},
        ],
      }),
      host,
    )
    assert.deepEqual((c.HostConfig as any).PortBindings, {})
    assert.deepEqual(c.ExposedPorts, {})
    assert.deepEqual((c.HostConfig as any).Binds, ['/srv/data:/data:ro,rprivate', '/dev/disk:/host-disk:rw,z,rslave'])
  })
})

describe('loadBalancerContainerSpec', () => {
  test('a plain container with its fixed address, its alias and the published API port', () => {
    const c = loadBalancerContainerSpec({
      cluster: 'ha',
      name: 'ha-load-balancer',
      containerName: 'kcluster.ha.load-balancer',
      image: 'kcluster/load-balancer:abc',
      network: 'kcluster-ha',
      ipv4: '172.30.0.2',
      ports: [{hostAddress: '127.0.0.1', hostPort: 40123, containerPort: 6443, protocol: 'tcp'}],
      config: {path: '/etc/haproxy/haproxy.cfg', content: ''},
    })
    assert.equal(c.name, 'kcluster.ha.load-balancer')
    assert.equal(c.Labels?.['io.kcluster.kind'], 'load-balancer')
    assert.equal(c.Labels?.['io.kcluster.cluster'], 'ha')
    assert.equal((c.HostConfig as any).Privileged, undefined)
    assert.deepEqual((c.HostConfig as any).PortBindings, {'6443/tcp': [{HostIp: '127.0.0.1', HostPort: '40123'}]})
    assert.deepEqual(c.NetworkingConfig?.EndpointsConfig?.['kcluster-ha'], {Aliases: ['ha-load-balancer'], IPAMConfig: {IPv4Address: '172.30.0.2'}})
  })
})

describe('networkCreateOptions', () => {
  test('the planned subnet and gateway, labelled with the cluster', () => {
    const n = networkCreateOptions({cluster: 'dev', name: 'kcluster-dev', subnet: '172.30.0.0/24', gateway: '172.30.0.1'})
    assert.deepEqual(n.IPAM, {Driver: 'default', Config: [{Subnet: '172.30.0.0/24', Gateway: '172.30.0.1'}]})
    assert.deepEqual(n.Labels, {'io.kcluster.cluster': 'dev', 'io.kcluster.kind': 'network'})
    assert.equal(n.CheckDuplicate, true)
  })
})

describe('splitReference', () => {
  const cases: [string, [string, string]][] = [
    ['kcluster/node:v1.34.4-abc', ['kcluster/node', 'v1.34.4-abc']],
    ['busybox', ['busybox', 'latest']],
    ['localhost:5000/app', ['localhost:5000/app', 'latest']],
    ['localhost:5000/app:1', ['localhost:5000/app', '1']],
  ]
  for (const [ref, expected] of cases) test(ref, () => assert.deepEqual(splitReference(ref), expected))
})

describe('tarOfOneFile', () => {
  test('round-trips through a tar reader with name, mode and content', async () => {
    const archive = tarOfOneFile('kubeadm.yaml', Buffer.from('kind: InitConfiguration\n'), 0o600)
    assert.equal(archive.length % 512, 0)
    const entries: {path: string; mode: number; body: string}[] = []
    const parser = new tar.Parser({
      onReadEntry: (entry) => {
        const chunks: Buffer[] = []
        entry.on('data', (c: Buffer) => chunks.push(c))
        entry.on('end', () => entries.push({path: entry.path, mode: entry.mode ?? 0, body: Buffer.concat(chunks).toString()}))
      },
    })
    await new Promise<void>((resolve) => {
      parser.on('end', resolve)
      parser.end(archive)
    })
    assert.deepEqual(entries, [{path: 'kubeadm.yaml', mode: 0o600, body: 'kind: InitConfiguration\n'}])
  })
})
