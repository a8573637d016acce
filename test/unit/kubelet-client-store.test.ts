// templates/node/kubelet-client-store.sh, run against a folder of our own.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {packageRoot} from '../../src/images/paths.js'

const script = join(packageRoot(), 'templates/node/kubelet-client-store.sh')
const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const key = '-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n'
const b64 = (text: string) => Buffer.from(text).toString('base64')

function run(dir: string): void {
  execFileSync('sh', [script], {env: {PATH: process.env.PATH, KUBELET_PKI_DIR: join(dir, 'pki'), KUBELET_KUBECONFIG: join(dir, 'kubelet.conf')}})
}

describe('the kubelet\'s client certificate store, seeded before it starts', () => {
  test('kubeadm init\'s inline certificate and key become the store\'s current file, private', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-store-'))
    try {
      writeFileSync(join(dir, 'kubelet.conf'), `users:\n- name: system:node:dev-control-plane\n  user:\n    client-certificate-data: ${b64(cert)}\n    client-key-data: ${b64(key)}\n`)
      run(dir)
      const current = join(dir, 'pki', 'kubelet-client-current.pem')
      assert.ok(lstatSync(current).isSymbolicLink())
      assert.match(readlinkSync(current), /kubelet-client-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.pem$/)
      assert.equal(readFileSync(current, 'utf8'), cert + key)
      assert.equal(statSync(current).mode & 0o777, 0o600)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  test('a store with a current file, a kubeconfig that points at files (a join, a restart) or none at all: nothing is written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-store-'))
    try {
      run(dir)
      assert.deepEqual(readdirSync(dir), [])
      writeFileSync(join(dir, 'kubelet.conf'), 'users:\n- name: system:node:w\n  user:\n    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n')
      run(dir)
      assert.deepEqual(readdirSync(dir), ['kubelet.conf'])
      mkdirSync(join(dir, 'pki'))
      writeFileSync(join(dir, 'pki', 'kubelet-client-current.pem'), 'kept')
      writeFileSync(join(dir, 'kubelet.conf'), `users:\n- user:\n    client-certificate-data: ${b64(cert)}\n    client-key-data: ${b64(key)}\n`)
      run(dir)
      assert.deepEqual(readdirSync(join(dir, 'pki')), ['kubelet-client-current.pem'])
      assert.equal(readFileSync(join(dir, 'pki', 'kubelet-client-current.pem'), 'utf8'), 'kept')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
