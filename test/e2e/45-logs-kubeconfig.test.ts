// get/export kubeconfig and export logs against one real single-node cluster.
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {execa} from 'execa'
import * as tar from 'tar'
import {ROOT, docker, kcluster, tempDir} from './helpers.js'

const NAME = 'lg-e2e'
const CONTEXT = `kcluster-${NAME}`
const OTHER = 'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: "https://other.example:6443"}\nusers:\n- name: other\n  user: {token: abc}\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\ncurrent-context: other\n'

/** The host's kubectl (the machine has one); fails the test with its output when it fails. */
async function hostKubectl(args: string[]): Promise<string> {
  const result = await execa('kubectl', args, {reject: false})
  if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}${result.stdout}`)
  return result.stdout
}

describe('get kubeconfig, export kubeconfig, export logs', {timeout: 20 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-logs-')
  const kubeconfig = join(dir, 'config')
  let created: any

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    writeFileSync(kubeconfig, OTHER)
    const result = await kcluster(['create', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(result.exitCode, 0, JSON.stringify(result.envelope.error) + result.stderr.slice(-3000))
    created = result.envelope.result
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  test('get kubeconfig: the host endpoint, usable by kubectl on this machine; no file written', async () => {
    const before = readFileSync(kubeconfig, 'utf8')
    const {exitCode, envelope} = await kcluster(['get', 'kubeconfig', '--name', NAME])
    assert.equal(exitCode, 0, JSON.stringify(envelope.error))
    assert.equal(envelope.result.context, CONTEXT)
    assert.equal(envelope.result.server, created.server)
    const file = join(dir, 'external.yaml')
    writeFileSync(file, envelope.result.kubeconfig)
    assert.match(await hostKubectl(['--kubeconfig', file, 'get', 'nodes', '--no-headers']), new RegExp(`^${NAME}-control-plane\\s+Ready`, 'm'))
    // Without --json the YAML alone is the output.
    const plain = await execa(process.execPath, [join(ROOT, 'bin/run.js'), 'get', 'kubeconfig', '--name', NAME])
    assert.equal(plain.stdout.trimEnd(), envelope.result.kubeconfig.trimEnd())
    assert.equal(readFileSync(kubeconfig, 'utf8'), before)
  })

  test('get kubeconfig --internal: usable from a container on the cluster network', async () => {
    const {exitCode, envelope} = await kcluster(['get', 'kubeconfig', '--name', NAME, '--internal'])
    assert.equal(exitCode, 0, JSON.stringify(envelope.error))
    assert.equal(envelope.result.server, `https://${NAME}-control-plane:6443`)
    const file = join(dir, 'internal.yaml')
    writeFileSync(file, envelope.result.kubeconfig, {mode: 0o644})
    // kubectl of the node image, in a throwaway container on the cluster's network.
    const container = await docker.createContainer({
      Image: created.image,
      Entrypoint: ['/usr/local/bin/kubectl'],
      Cmd: ['--kubeconfig=/kubeconfig', 'get', 'nodes', '--no-headers'],
      Tty: true,
      HostConfig: {NetworkMode: created.network.name, Binds: [`${file}:/kubeconfig:ro`]},
    })
    try {
      await container.start()
      const {StatusCode} = await container.wait()
      const output = String(await container.logs({stdout: true, stderr: true}))
      assert.equal(StatusCode, 0, output)
      assert.match(output, new RegExp(`^${NAME}-control-plane\\s+Ready`, 'm'))
    } finally {
      await container.remove({force: true})
    }
  })

  test('export kubeconfig: a deleted context comes back, current, the other one untouched', async () => {
    await hostKubectl(['--kubeconfig', kubeconfig, 'config', 'delete-context', CONTEXT])
    await hostKubectl(['--kubeconfig', kubeconfig, 'config', 'use-context', 'other'])
    const {exitCode, envelope} = await kcluster(['export', 'kubeconfig', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(exitCode, 0, JSON.stringify(envelope.error))
    assert.equal(envelope.result.kubeconfig, kubeconfig)
    assert.equal((await hostKubectl(['--kubeconfig', kubeconfig, 'config', 'current-context'])).trim(), CONTEXT)
    assert.match(await hostKubectl(['--kubeconfig', kubeconfig, 'config', 'get-contexts', '-o', 'name']), /^other$/m)
    assert.match(await hostKubectl(['--kubeconfig', kubeconfig, 'get', 'nodes', '--no-headers']), /Ready/)
  })

  test('export logs: one archive with the kubelet journal, crictl ps -a and kcluster.json', async () => {
    const out = join(dir, 'logs')
    const {exitCode, envelope} = await kcluster(['export', 'logs', out, '--name', NAME])
    assert.equal(exitCode, 0, JSON.stringify(envelope.error))
    const {archive, errors} = envelope.result
    assert.match(archive, new RegExp(`^${out}/kcluster-${NAME}-logs-\\d{8}-\\d{6}\\.tar\\.gz$`))
    assert.deepEqual(errors, [])
    const unpacked = join(dir, 'unpacked')
    await execa('mkdir', ['-p', unpacked])
    await tar.x({file: archive, cwd: unpacked})
    const [top] = readdirSync(unpacked)
    const read = (file: string) => readFileSync(join(unpacked, top!, file), 'utf8')
    const node = `${NAME}-control-plane`
    assert.match(read(`${node}/kubelet.log`), /kubelet/)
    assert.match(read(`${node}/crictl-ps.txt`), /kube-apiserver/)
    assert.match(read(`${node}/kubeadm.log`), /kubeadm init/)
    assert.ok(JSON.parse(read(`${node}/docker-inspect.json`)).State.Running)
    assert.ok(readdirSync(join(unpacked, top!, node, 'containers')).some((f) => f.startsWith('etcd-')))
    assert.match(read('cluster/pods.txt'), /coredns/)
    assert.ok(existsSync(join(unpacked, top!, 'cluster/kube-system')))
    const record = JSON.parse(read('kcluster.json'))
    assert.equal(record.kcluster.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
    assert.equal(record.config.name, NAME)
    assert.deepEqual(record.config.nodes.map((n: any) => n.role), ['control-plane'])
  })

  test('a missing cluster: exit 5 from each command', async () => {
    for (const args of [['get', 'kubeconfig'], ['export', 'kubeconfig', '--kubeconfig', join(dir, 'untouched')], ['export', 'logs', dir]]) {
      const {exitCode, envelope} = await kcluster([...args, '--name', 'lg-missing'])
      assert.equal(exitCode, 5, args.join(' '))
      assert.equal(envelope.error?.code, 'CLUSTER_MISSING')
    }
    assert.ok(!existsSync(join(dir, 'untouched')))
  })
})
