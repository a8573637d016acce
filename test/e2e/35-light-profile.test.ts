// Profile light end to end: kine on SQLite instead of etcd, one control plane
// and one worker, real Docker and real clients. One cluster, for CI's budget.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {clusterResources, docker, eventually, httpdDeployment, kcluster, kubectlFromImage, kubectlRunner, tempDir, loadTestImage} from './helpers.js'

const NAME = 'e2e-light'
const TEST_IMAGE = 'kcluster-e2e/busybox:1'
const CONTROL_PLANE = `kcluster.${NAME}.control-plane`

/** Runs a command in a node container; its exit code and output. */
async function inNode(container: string, command: string[]): Promise<{exitCode: number; output: string}> {
  const exec = await docker.getContainer(container).exec({Cmd: command, AttachStdout: true, AttachStderr: true})
  const stream = await exec.start({hijack: true, stdin: false})
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  await new Promise((ok) => stream.on('end', ok))
  // The multiplexed stream's 8-byte frame headers do not matter to the matches below.
  return {exitCode: (await exec.inspect()).ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8')}
}

/** Bytes of kine's database and its write-ahead log. */
async function databaseBytes(): Promise<number> {
  const {output} = await inNode(CONTROL_PLANE, ['sh', '-c', 'cat /var/lib/kine/state.db /var/lib/kine/state.db-wal 2>/dev/null | wc -c'])
  return Number(/(\d+)\s*$/.exec(output)?.[1] ?? NaN)
}

const clientPod = `
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: ${NAME}-control-plane
  tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
  containers:
  - {name: client, image: ${TEST_IMAGE}, imagePullPolicy: Never, command: [sleep, '3600']}
`

describe('profile light: kine on SQLite, 1 control plane + 1 worker', {timeout: 30 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-light-')
  const kubeconfig = join(dir, 'config')
  let created: any
  let kubectl: (args: string[], input?: string) => Promise<string>

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    const config = join(dir, 'cluster.yaml')
    writeFileSync(config, ['apiVersion: kcluster.dev/v1alpha1', 'kind: Cluster', 'profile: light', 'nodes:', '- role: control-plane', '- role: worker', ''].join('\n'))
    const out = await kcluster(['create', '--name', NAME, '--config', config, '--kubeconfig', kubeconfig, '--wait', '5m'], {}, true)
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    created = out.envelope.result
    kubectl = kubectlRunner(await kubectlFromImage(created.image), kubeconfig, created.context)
    await loadTestImage(created.image, NAME, TEST_IMAGE)
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  test('create, list and the dry run tell the profile; light with three control planes is refused at its field', async () => {
    assert.equal(created.profile, 'light')
    assert.deepEqual(created.nodes.map((n: any) => n.role), ['control-plane', 'worker'])
    const listed = (await kcluster(['list'])).envelope.result.clusters.find((c: any) => c.name === NAME)
    assert.equal(listed.profile, 'light')
    const dry = await kcluster(['create', '--name', 'e2e-light-dry', '--profile', 'light', '--dry-run'])
    assert.equal(dry.envelope.result.profile, 'light')
    const three = join(dir, 'three.yaml')
    writeFileSync(three, ['apiVersion: kcluster.dev/v1alpha1', 'kind: Cluster', 'nodes:', '- role: control-plane', '- role: control-plane', '- role: control-plane', ''].join('\n'))
    const refused = await kcluster(['create', '--name', 'e2e-light-three', '--config', three, '--profile', 'light', '--dry-run'])
    assert.equal(refused.envelope.error?.code, 'INVALID_INPUT', JSON.stringify(refused.envelope))
    assert.match(refused.envelope.error!.message, /nodes\[1\]\.role: --profile light runs one control plane/)
    assert.match(refused.envelope.error!.message, /nodes\[2\]\.role/)
  })

  test('the API server stores in kine: its unit is active, no etcd runs, an object written lands in its SQLite files', async () => {
    assert.match((await inNode(CONTROL_PLANE, ['systemctl', 'is-active', 'kine.service'])).output, /\bactive\b/)
    const manifests = await inNode(CONTROL_PLANE, ['ls', '/etc/kubernetes/manifests'])
    assert.doesNotMatch(manifests.output, /etcd/)
    assert.match((await inNode(CONTROL_PLANE, ['cat', '/etc/kubernetes/manifests/kube-apiserver.yaml'])).output, /--etcd-servers=http:\/\/127\.0\.0\.1:2379/)
    assert.equal((await inNode(CONTROL_PLANE, ['pgrep', '-x', 'etcd'])).exitCode, 1, 'no etcd process')
    assert.equal((await inNode(CONTROL_PLANE, ['crictl', 'ps', '-q', '--name', '^etcd$'])).output.trim(), '')
    const pods = JSON.parse(await kubectl(['get', 'pods', '-n', 'kube-system', '-o', 'json'])).items as any[]
    assert.ok(!pods.some((p) => p.metadata.name.startsWith('etcd-')), 'no etcd pod')
    assert.ok((await databaseBytes()) > 0, 'state.db exists')
    // An object written through the API server lands in kine's SQLite files (the database or its write-ahead
    // log). Their total size proves nothing: SQLite reuses the pages kine's compaction frees, and a checkpoint
    // rewrites the log from its start.
    const token = `kine-proof-${Date.now().toString(36)}`
    await kubectl(['create', 'configmap', token, `--from-literal=proof=${token}`])
    await eventually(`${token} in kine's SQLite files`, 30_000, async () => {
      const found = await inNode(CONTROL_PLANE, ['grep', '-a', '-l', '-F', `/registry/configmaps/default/${token}`, '/var/lib/kine/state.db', '/var/lib/kine/state.db-wal'])
      assert.match(found.output, /state\.db/, found.output)
      return true
    })
  })

  test('a Deployment on the worker serves a pod on the control plane through its Service, by cluster DNS', async () => {
    await kubectl(['apply', '-f', '-'], httpdDeployment(TEST_IMAGE, 2))
    await kubectl(['expose', 'deployment', 'web', '--port=80', '--target-port=8080'])
    await kubectl(['apply', '-f', '-'], clientPod)
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=180s'])
    await kubectl(['wait', '--for=condition=Ready', 'pod/client', '--timeout=180s'])
    const nodes = JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items.map((p: any) => p.spec.nodeName)
    assert.deepEqual([...new Set(nodes)], [`${NAME}-worker`])
    const dns = await eventually('DNS from the control plane', 60_000, async () => kubectl(['exec', 'client', '--', 'nslookup', 'kubernetes.default.svc.cluster.local']))
    assert.match(dns, /Address:\s*10\.96\.0\.1\b/)
    const body = await eventually('web through its Service, from the control plane', 60_000, async () => {
      const out = await kubectl(['exec', 'client', '--', 'timeout', '5', 'wget', '-qO-', 'http://web.default.svc.cluster.local/'])
      return out.includes('served-by') && out
    })
    assert.match(body, /served-by web-/)
  })

  test('stop and start keep every object; kine comes back with the node', async () => {
    await kubectl(['create', 'configmap', 'kept', '--from-literal=before=stop'])
    // A large object too (through stdin: one argument of 256 KiB is more than a command line may hold).
    await kubectl(['create', '-f', '-'], JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'large'}, data: {data: 'x'.repeat(256 * 1024)}}))
    const stopped = await kcluster(['stop', '--name', NAME])
    assert.equal(stopped.exitCode, 0, JSON.stringify(stopped.envelope.error))
    const started = await kcluster(['start', '--name', NAME, '--wait', '5m'])
    assert.equal(started.exitCode, 0, JSON.stringify(started.envelope.error) + started.stderr.slice(-3000))
    assert.match((await inNode(CONTROL_PLANE, ['systemctl', 'is-active', 'kine.service'])).output, /\bactive\b/)
    assert.equal(JSON.parse(await kubectl(['get', 'configmap', 'kept', '-o', 'json'])).data.before, 'stop')
    assert.equal(JSON.parse(await kubectl(['get', 'configmap', 'large', '-o', 'json'])).data.data.length, 256 * 1024)
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=180s'])
    await kubectl(['wait', '--for=condition=Ready', 'pod/client', '--timeout=180s'])
    const body = await eventually('web through its Service after start', 90_000, async () => {
      const out = await kubectl(['exec', 'client', '--', 'timeout', '5', 'wget', '-qO-', 'http://web.default.svc.cluster.local/'])
      return out.includes('served-by') && out
    })
    assert.match(body, /served-by web-/)
  })

  test('delete leaves nothing: containers, the /var volumes with the database, the network', async () => {
    const out = await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error))
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
    const volumes = (await docker.listVolumes()).Volumes ?? []
    assert.ok(!volumes.some((v) => v.Name.startsWith(`kcluster.${NAME}.`)), 'no volume of the cluster is left')
  })
})
