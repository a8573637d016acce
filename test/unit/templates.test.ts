import assert from 'node:assert/strict'
import {mkdtempSync, mkdirSync, writeFileSync, cpSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import yaml from 'js-yaml'
import {planNodeImage} from '../../src/images/node-image.js'
import {packageRoot} from '../../src/images/paths.js'
import {renderCniConfig} from '../../src/lifecycle/steps/install-cni.js'
import {renderKubeadmConfig} from '../../src/lifecycle/steps/kubeadm-init.js'
import {renderTemplate} from '../../src/lifecycle/templates.js'

describe('renderTemplate', () => {
  test('fills every placeholder', () => assert.equal(renderTemplate('a {{X}} b {{Y_2}}', {X: 1, Y_2: 'two'}), 'a 1 b two'))
  test('a missing value is an error', () => assert.throws(() => renderTemplate('{{X}} {{Z}}', {X: 1}), /Z is missing/))
  test('an unused value is an error', () => assert.throws(() => renderTemplate('{{X}}', {X: 1, W: 2}), /not used: W/))
})

describe('kubeadm configuration', () => {
  const docs = yaml.loadAll(
    renderKubeadmConfig({clusterName: 'dev', kubernetesVersion: 'v1.34.4', nodeName: 'dev-control-plane', nodeIp: '172.18.0.2', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}),
  ) as any[]
  const byKind = Object.fromEntries(docs.map((d) => [d.kind, d]))

  test('has the four documents kubeadm reads', () => {
    assert.deepEqual(Object.keys(byKind).sort(), ['ClusterConfiguration', 'InitConfiguration', 'KubeProxyConfiguration', 'KubeletConfiguration'])
  })
  test('a lone control plane is not tainted and advertises the node address', () => {
    assert.deepEqual(byKind.InitConfiguration.nodeRegistration.taints, [])
    assert.equal(byKind.InitConfiguration.localAPIEndpoint.advertiseAddress, '172.18.0.2')
    assert.equal(byKind.InitConfiguration.nodeRegistration.name, 'dev-control-plane')
  })
  test('certificates cover the published address', () => {
    assert.ok(byKind.ClusterConfiguration.apiServer.certSANs.includes('127.0.0.1'))
    assert.equal(byKind.ClusterConfiguration.kubernetesVersion, 'v1.34.4')
    assert.equal(byKind.ClusterConfiguration.networking.podSubnet, '10.244.0.0/16')
  })
  test('kubelet runs on cgroup v1 with cgroupfs and its own root, never collecting preloaded images', () => {
    const kubelet = byKind.KubeletConfiguration
    assert.equal(kubelet.failCgroupV1, false)
    assert.equal(kubelet.cgroupDriver, 'cgroupfs')
    assert.equal(kubelet.cgroupRoot, '/kubelet')
    assert.equal(kubelet.imageGCHighThresholdPercent, 100)
  })
  test('kube-proxy leaves the host-global conntrack table alone', () => {
    assert.equal(byKind.KubeProxyConfiguration.conntrack.maxPerCore, 0)
  })
})

describe('CNI configuration', () => {
  test('is JSON with the node pod CIDR and MTU', () => {
    const conf = JSON.parse(renderCniConfig('10.244.3.0/24', 1450))
    assert.equal(conf.plugins[0].type, 'ptp')
    assert.equal(conf.plugins[0].mtu, 1450)
    assert.deepEqual(conf.plugins[0].ipam.ranges, [[{subnet: '10.244.3.0/24'}]])
    assert.equal(conf.plugins[1].type, 'portmap')
  })
})

describe('planNodeImage', () => {
  function copyOfPackage(): string {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-plan-'))
    for (const sub of ['images', 'templates']) cpSync(join(packageRoot(), sub), join(dir, sub), {recursive: true})
    writeFileSync(join(dir, 'package.json'), '{}')
    return dir
  }

  test('tags follow the inputs: same inputs same tags, a changed template only changes the node image', () => {
    const root = copyOfPackage()
    const a = planNodeImage('v1.34.4', undefined, root, '/cache')
    assert.deepEqual(planNodeImage('v1.34.4', undefined, root, '/cache'), a)
    assert.match(a.nodeImage, /^kcluster\/node:v1\.34\.4-[0-9a-f]{12}$/)
    writeFileSync(join(root, 'templates/node/containerd.toml'), '# changed\n', {flag: 'a'})
    const b = planNodeImage('v1.34.4', undefined, root, '/cache')
    assert.notEqual(b.nodeImage, a.nodeImage)
    assert.equal(b.kubeImage, a.kubeImage)
    assert.equal(b.builderImage, a.builderImage)
  })

  test('a changed component source rebuilds the binaries; another version too', () => {
    const root = copyOfPackage()
    const a = planNodeImage('v1.34.4', undefined, root, '/cache')
    mkdirSync(join(root, 'images/components/kube'), {recursive: true})
    writeFileSync(join(root, 'images/components/kube/main.go'), '// changed\n', {flag: 'a'})
    const b = planNodeImage('v1.34.4', undefined, root, '/cache')
    assert.notEqual(b.componentsDir, a.componentsDir)
    assert.notEqual(planNodeImage('v1.34.3', undefined, root, '/cache').kubeImage, a.kubeImage)
  })

  test('an explicit image name is used as given', () => {
    assert.equal(planNodeImage('v1.34.4', 'me/node:dev').nodeImage, 'me/node:dev')
  })
})
