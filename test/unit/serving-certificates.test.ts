import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import yaml from 'js-yaml'
import {defaultNetworking} from '../../src/config/cluster-spec.js'
import {kubeadmDocuments, renderKubeadmConfig} from '../../src/lifecycle/kubeadm/config.js'
import {SERVING_CERTIFICATES_UNIT, servingCertificates, servingCertificatesFiles, servingCertificatesScript, type ServingCertificate} from '../../src/lifecycle/kubeadm/serving-certificates.js'
import {hasOpenssl} from '../support/openssl.js'
import {planCluster} from '../../src/plan/plan-cluster.js'

const plan = planCluster({name: 'dev', nodes: [{role: 'control-plane'}, {role: 'worker'}], networking: defaultNetworking()}, {subnetsInUse: [], freeApiServerPort: 40123})
const secrets = {token: 'abcdef.0123456789abcdef', certificateKey: 'ab'.repeat(32)}

describe('serving certificates made before kubeadm', () => {
  test('a worker gets the kubelet\'s; a control plane also the controller manager\'s and the scheduler\'s', () => {
    const [controlPlane, worker] = plan.nodes
    assert.deepEqual(servingCertificates(worker!).map((c) => c.path), ['/var/lib/kubelet/pki/kubelet'])
    assert.deepEqual(servingCertificates(controlPlane!).map((c) => c.path), [
      '/var/lib/kubelet/pki/kubelet',
      '/etc/kubernetes/serving/kube-controller-manager/serving',
      '/etc/kubernetes/serving/kube-scheduler/serving',
    ])
    assert.deepEqual(servingCertificates(worker!)[0]!.ipAddresses, [worker!.ipv4, '127.0.0.1'])
  })

  test('the controller manager and the scheduler are given their files and a read-only mount of their own directory', () => {
    const cluster = (yaml.loadAll(renderKubeadmConfig(kubeadmDocuments(plan, plan.nodes[0]!, 'v1.34.4', secrets))) as any[]).find((d) => d.kind === 'ClusterConfiguration')
    for (const [field, component] of [['controllerManager', 'kube-controller-manager'], ['scheduler', 'kube-scheduler']] as const) {
      const args = Object.fromEntries(cluster[field].extraArgs.map((a: {name: string; value: string}) => [a.name, a.value]))
      assert.equal(args['tls-cert-file'], `/etc/kubernetes/serving/${component}/serving.crt`)
      assert.equal(args['tls-private-key-file'], `/etc/kubernetes/serving/${component}/serving.key`)
      assert.deepEqual(cluster[field].extraVolumes, [{name: 'serving-certificate', hostPath: `/etc/kubernetes/serving/${component}`, mountPath: `/etc/kubernetes/serving/${component}`, readOnly: true, pathType: 'Directory'}])
    }
  })

  test("made as the node boots: the script and a oneshot unit that containerd's start pulls in and the kubelet starts after", () => {
    const files = servingCertificatesFiles(plan.nodes[1]!)
    const file = (path: string) => files.find((f) => f.path === path)
    assert.equal(file('/etc/kcluster/serving-certificates.sh')!.content, `${servingCertificatesScript(servingCertificates(plan.nodes[1]!))}\n`)
    assert.equal(file('/etc/kcluster/serving-certificates.sh')!.mode, 0o755)
    const unit = file(`/etc/systemd/system/${SERVING_CERTIFICATES_UNIT}`)!.content
    assert.match(unit, /^Type=oneshot$/m)
    assert.match(unit, /^RemainAfterExit=yes$/m)
    assert.match(unit, /^ExecStart=\/bin\/sh \/etc\/kcluster\/serving-certificates\.sh$/m)
    const containerd = file('/etc/systemd/system/containerd.service.d/50-kcluster-serving-certificates.conf')!.content
    assert.match(containerd, new RegExp(`^Wants=${SERVING_CERTIFICATES_UNIT}$`, 'm'))
    assert.doesNotMatch(containerd, /^After=/m, 'containerd does not wait for it')
    const kubelet = file('/etc/systemd/system/kubelet.service.d/50-kcluster-serving-certificates.conf')!.content
    assert.match(kubelet, new RegExp(`^After=${SERVING_CERTIFICATES_UNIT}$`, 'm'))
    assert.doesNotMatch(kubelet, /^Requires=/m, 'a kubelet still starts when it fails')
  })

  test('the script writes ECDSA certificates with the names asked for, keeps a pair that exists and remakes half a pair', {skip: hasOpenssl ? false : 'no openssl here'}, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-serving-'))
    try {
      const certs: ServingCertificate[] = [
        {path: join(dir, 'a/kubelet'), commonName: "node-1", dnsNames: ['node-1', 'localhost'], ipAddresses: ['172.30.0.11', '127.0.0.1']},
        {path: join(dir, "b c/it's"), commonName: 'kube-scheduler', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1']},
      ]
      writeFileSync(join(dir, 'kept.crt'), 'kept')
      writeFileSync(join(dir, 'kept.key'), 'kept')
      writeFileSync(join(dir, 'half.crt'), 'no key beside it')
      const extra = (name: string): ServingCertificate => ({path: join(dir, name), commonName: 'x', dnsNames: [], ipAddresses: ['127.0.0.1']})
      execFileSync('sh', ['-c', servingCertificatesScript([...certs, extra('kept'), extra('half')])])
      const text = execFileSync('openssl', ['x509', '-in', `${certs[0]!.path}.crt`, '-noout', '-text'], {encoding: 'utf8'})
      assert.match(text, /Subject: CN ?= ?node-1/)
      assert.match(text, /DNS:node-1, DNS:localhost, IP Address:172\.30\.0\.11, IP Address:127\.0\.0\.1/)
      assert.match(text, /id-ecPublicKey/)
      assert.match(text, /TLS Web Server Authentication/)
      assert.equal(statSync(`${certs[0]!.path}.key`).mode & 0o777, 0o600)
      assert.match(readFileSync(`${certs[1]!.path}.key`, 'utf8'), /BEGIN PRIVATE KEY/)
      assert.equal(readFileSync(join(dir, 'kept.crt'), 'utf8'), 'kept')
      assert.match(readFileSync(join(dir, 'half.crt'), 'utf8'), /BEGIN CERTIFICATE/, 'half a pair is made anew')
      assert.match(readFileSync(join(dir, 'half.key'), 'utf8'), /BEGIN PRIVATE KEY/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
