// A cluster that lives for days, end to end: a 1 + 2 cluster with a
// Deployment, a Service and a PVC holding data goes through stop and start,
// a worker stopped behind its back, and the Docker engine itself restarting;
// each time it must come back with the same addresses, the same API port,
// a Service that answers and its data. Real Docker, real Kubernetes.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createInterface} from 'node:readline'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {writeFileSync} from 'node:fs'
import {execa} from 'execa'
import {buildBusyboxImage, CLI, clusterResources, docker, eventually, httpdWithService, kcluster, kubectlFromImage, kubectlRunner, ROOT, tempDir} from './helpers.js'

const TEST_IMAGE = 'kcluster-e2e/busybox:1'
/** How long a cluster may take to serve again after the Docker engine restarted (documented in the README). */
const AFTER_DOCKER_RESTART_MS = 120_000

describe('stop, start, status and a Docker restart (1 control plane + 2 workers)', {timeout: 30 * 60_000}, () => {
  const NAME = 'e2e-life'
  const dir = tempDir('kcluster-e2e-life-')
  const kubeconfig = join(dir, 'config')
  let created: any
  let kubectl: (args: string[], input?: string) => Promise<string>
  let probes = 0

  /** A one-off pod that asks the Service and prints what it got. */
  async function serviceAnswers(): Promise<string> {
    const name = `probe-${++probes}`
    return eventually(`the Service web to answer (${name})`, 120_000, async () => {
      await kubectl(['delete', 'pod', name, '--ignore-not-found', '--wait=true'])
      await kubectl(['run', name, `--image=${TEST_IMAGE}`, '--image-pull-policy=Never', '--restart=Never', '--', 'timeout', '5', 'wget', '-qO-', 'http://web.default.svc.cluster.local/'])
      await kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', `pod/${name}`, '--timeout=60s'])
      return (await kubectl(['logs', name])).trim()
    })
  }

  async function dataOnTheVolume(): Promise<string> {
    const name = `reader-${++probes}`
    await kubectl(['apply', '-f', '-'], volumePod(name, 'cat /data/note'))
    await kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', `pod/${name}`, '--timeout=120s'])
    return (await kubectl(['logs', name])).trim()
  }

  async function addresses(): Promise<Record<string, string>> {
    const listed = (await kcluster(['list'])).envelope.result.clusters.find((c: any) => c.name === NAME)
    return Object.fromEntries(listed.nodes.map((n: any) => [n.name, n.ipv4]))
  }

  async function status(): Promise<{exitCode: number; result: any}> {
    const out = await kcluster(['status', '--name', NAME, '--kubeconfig', kubeconfig])
    return {exitCode: out.exitCode, result: out.envelope.result}
  }

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    const config = join(dir, 'cluster.yaml')
    writeFileSync(config, 'apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nnodes:\n- role: control-plane\n- role: worker\n- role: worker\n')
    const out = await kcluster(['create', '--name', NAME, '--config', config, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    created = out.envelope.result
    kubectl = kubectlRunner(await kubectlFromImage(created.image), kubeconfig, created.context)
    await buildBusyboxImage(created.image, TEST_IMAGE)
    assert.equal((await kcluster(['load', 'image', TEST_IMAGE, '--name', NAME])).exitCode, 0)
    await kubectl(['apply', '-f', '-'], webDeployment())
    await kubectl(['apply', '-f', '-'], volumePod('writer', 'echo kept across restarts > /data/note'))
    await kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/writer', '--timeout=180s'])
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=180s'])
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  test('status of a healthy cluster: exit 0, every node Ready with a healthy kubelet, the context current', async () => {
    const {exitCode, result} = await status()
    assert.equal(exitCode, 0, JSON.stringify(result, null, 2))
    assert.equal(result.health, 'healthy')
    assert.deepEqual(result.problems, [])
    assert.deepEqual(result.apiServer, {server: created.server, ready: true, detail: 'ok'})
    assert.deepEqual(
      result.nodes.map((n: any) => [n.name, n.container, n.kubelet, n.ready]),
      [`${NAME}-control-plane`, `${NAME}-worker`, `${NAME}-worker2`].map((name) => [name, 'running', 'healthy', true]),
    )
    assert.deepEqual(result.kubeconfig, {path: kubeconfig, context: created.context, present: true, current: true})
  })

  test('a worker stopped behind kcluster\'s back: status exits 11 naming it, --watch reports it, start repairs it', async () => {
    const watcher = spawn(process.execPath, [CLI, 'status', '--name', NAME, '--kubeconfig', kubeconfig, '--watch', '--interval', '500ms', '--json'], {env: {...process.env, CI: 'true'}})
    const lines: any[] = []
    createInterface({input: watcher.stdout}).on('line', (line) => lines.push(JSON.parse(line)))
    try {
      await eventually('the first line of status --watch', 30_000, async () => lines.length > 0)
      assert.equal(lines[0].health, 'healthy')
      await docker.getContainer(`kcluster.${NAME}.worker2`).stop({t: 10})
      const {exitCode, result} = await status()
      assert.equal(exitCode, 11)
      assert.equal(result.health, 'degraded')
      assert.deepEqual(result.problems, [`node ${NAME}-worker2: container kcluster.${NAME}.worker2 is exited`])
      const listed = (await kcluster(['list'])).envelope.result.clusters.find((c: any) => c.name === NAME)
      assert.equal(listed.state, 'degraded')
      await eventually('status --watch to report the stopped worker', 30_000, async () => lines.some((l) => l.health === 'degraded' && l.problems.some((p: string) => p.includes('worker2'))))
    } finally {
      watcher.kill('SIGINT')
    }
    const started = await kcluster(['start', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(started.exitCode, 0, JSON.stringify(started.envelope.error))
    assert.deepEqual(started.envelope.result.started, [`kcluster.${NAME}.worker2`])
    assert.equal((await status()).exitCode, 0)
  })

  test('stop, then start: same node addresses, same API port, the Service answers and the PVC keeps its data', async () => {
    const before = await addresses()
    const stopped = await kcluster(['stop', '--name', NAME])
    assert.equal(stopped.exitCode, 0, JSON.stringify(stopped.envelope.error))
    assert.equal(stopped.envelope.result.stopped.length, 3)
    const down = await status()
    assert.equal(down.exitCode, 10)
    assert.equal(down.result.health, 'stopped')
    assert.equal((await kcluster(['list'])).envelope.result.clusters.find((c: any) => c.name === NAME).state, 'stopped')
    assert.deepEqual((await kcluster(['stop', '--name', NAME])).envelope.result.stopped, [], 'stopping again stops nothing')

    const started = await kcluster(['start', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(started.exitCode, 0, JSON.stringify(started.envelope.error) + started.stderr.slice(-2000))
    assert.equal(started.envelope.result.server, created.server, 'the published API port is the same')
    assert.deepEqual(await addresses(), before)
    assert.equal((await status()).exitCode, 0)
    assert.match(await serviceAnswers(), /^served-by web-/)
    assert.equal(await dataOnTheVolume(), 'kept across restarts')

    const again = await kcluster(['start', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(again.exitCode, 0, 'start of a running cluster is a note, not an error')
    assert.deepEqual(again.envelope.result.started, [])
  })

  test(`the Docker engine restarts: the cluster serves again within ${AFTER_DOCKER_RESTART_MS / 1000} s with no kcluster command`, async () => {
    const before = await addresses()
    await execa(join(ROOT, 'scripts/restart-docker.sh'))
    const back = Date.now()
    await eventually('status to say healthy after the engine restarted', AFTER_DOCKER_RESTART_MS, async () => (await status()).exitCode === 0)
    process.stderr.write(`# healthy ${((Date.now() - back) / 1000).toFixed(1)} s after the Docker engine was back\n`)
    assert.deepEqual(await addresses(), before)
    assert.match(await serviceAnswers(), /^served-by web-/)
    assert.equal(await dataOnTheVolume(), 'kept across restarts')
  })

  test('a node container removed by hand: status names it, start says it cannot repair it', async () => {
    await docker.getContainer(`kcluster.${NAME}.worker`).remove({force: true})
    const {exitCode, result} = await status()
    assert.equal(exitCode, 11)
    assert.ok(result.problems.some((p: string) => p.includes(`kcluster.${NAME}.worker was removed`)), result.problems.join('\n'))
    const started = await kcluster(['start', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '0'])
    assert.equal(started.exitCode, 0)
    assert.match(started.envelope.result.cannotRepair.join('\n'), new RegExp(`kcluster\\.${NAME}\\.worker was removed`))
  })

  test('start, stop and status of a missing cluster exit 5', async () => {
    for (const command of ['start', 'stop', 'status']) {
      const out = await kcluster([command, '--name', 'e2e-no-such-cluster'])
      assert.equal(out.exitCode, 5, command)
      assert.equal(out.envelope.error?.code, 'CLUSTER_MISSING')
    }
  })

  test('delete removes what is left', async () => {
    assert.equal((await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])).exitCode, 0)
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
  })
})

function webDeployment(): string {
  return `${httpdWithService(TEST_IMAGE, 2)}---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
`
}

function volumePod(name: string, script: string): string {
  return `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command: ["sh", "-c", "${script}"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`
}
