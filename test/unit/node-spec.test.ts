import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import * as tar from 'tar'
import {planCluster} from '../../src/lifecycle/cluster-plan.js'
import {nodeContainerSpec} from '../../src/provider/docker/container-spec.js'
import {splitReference} from '../../src/provider/docker/images.js'
import {tarOfOneFile} from '../../src/provider/docker/tar-entry.js'
import type {NodeSpec} from '../../src/provider/types.js'

const spec = (overrides: Partial<NodeSpec> = {}): NodeSpec => ({
  cluster: 'dev',
  name: 'dev-control-plane',
  role: 'control-plane',
  image: 'kcluster/node:v1.34.4-abc',
  network: 'kcluster-dev',
  securityMode: 'restricted',
  publishApiServer: true,
  ...overrides,
})
const host = {hasKmsg: true, hasModules: false}

describe('planCluster', () => {
  test('names follow the cluster name', () => {
    assert.deepEqual(planCluster('dev'), {
      name: 'dev',
      network: 'kcluster-dev',
      controlPlaneNode: 'dev-control-plane',
      contextName: 'kcluster-dev',
      podSubnet: '10.244.0.0/16',
      serviceSubnet: '10.96.0.0/16',
      clusterDnsIp: '10.96.0.10',
    })
  })
})

describe('nodeContainerSpec', () => {
  test('restricted mode: every capability but SYS_RESOURCE, unmasked paths, kmsg passed in', () => {
    const c = nodeContainerSpec(spec(), 'dev-control-plane', host)
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
    const hc = nodeContainerSpec(spec({securityMode: 'privileged'}), 'dev-control-plane', host).HostConfig as any
    assert.equal(hc.Privileged, true)
    assert.equal(hc.CapAdd, undefined)
    assert.deepEqual(hc.Devices, [])
    assert.equal(hc.CgroupnsMode, 'private')
  })

  test('labels, /var volume with labels, API server on 127.0.0.1 at a free port', () => {
    const c = nodeContainerSpec(spec(), 'dev-control-plane', host)
    assert.deepEqual(c.Labels, {'io.kcluster.cluster': 'dev', 'io.kcluster.kind': 'node', 'io.kcluster.role': 'control-plane'})
    const hc = c.HostConfig as any
    const varMount = hc.Mounts.find((m: any) => m.Target === '/var')
    assert.equal(varMount.Source, 'dev-control-plane-var')
    assert.equal(varMount.VolumeOptions.Labels['io.kcluster.cluster'], 'dev')
    assert.deepEqual(hc.PortBindings, {'6443/tcp': [{HostIp: '127.0.0.1', HostPort: ''}]})
    assert.equal(c.StopSignal, 'SIGRTMIN+3')
    assert.equal(hc.NetworkMode, 'kcluster-dev')
    assert.ok(!hc.Mounts.some((m: any) => m.Target === '/lib/modules'), 'no /lib/modules when the host has none')
  })

  test('a worker publishes nothing', () => {
    const c = nodeContainerSpec(spec({publishApiServer: false, role: 'worker'}), 'dev-worker', host)
    assert.deepEqual((c.HostConfig as any).PortBindings, {})
    assert.deepEqual(c.ExposedPorts, {})
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
