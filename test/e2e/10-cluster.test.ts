// The spine, end to end: real Docker, real Kubernetes, real clients.
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import * as k8s from '@kubernetes/client-node'
import {envelopeProblems, progressStreamProblems} from '../contracts/schemas.js'
import {E2E_PROFILE, buildBusyboxImage, clusterResources, eventually, httpdDeployment, kcluster, kubectlFromImage, kubectlRunner, tempDir} from './helpers.js'

const NAME = 'e2e-main'
const SECOND = 'e2e-second'
const TEST_IMAGE = 'kcluster-e2e/busybox:1'

describe('kcluster create → workloads → delete', {timeout: 60 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-')
  const kubeconfig = join(dir, 'config')
  let created: any
  let createRun: Awaited<ReturnType<typeof kcluster<any>>>
  let second: Awaited<ReturnType<typeof kcluster<any>>>
  let kubectl: (args: string[], input?: string) => Promise<string>

  before(async () => {
    // A run that crashed earlier may have left these behind.
    for (const name of [NAME, SECOND]) await kcluster(['delete', '--name', name, '--kubeconfig', kubeconfig])
    // Another user's context must survive everything below.
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: "https://other.example:6443"}\nusers:\n- name: other\n  user: {token: abc}\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\ncurrent-context: other\n')
    // Two creates at once, sharing one kubeconfig file.
    const [first, other] = await Promise.all([
      kcluster(['create', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '5m']),
      kcluster(['create', '--name', SECOND, '--kubeconfig', kubeconfig, '--wait', '5m']),
    ])
    second = other
    createRun = first
    assert.equal(first.exitCode, 0, JSON.stringify(first.envelope.error) + first.stderr.slice(-3000))
    created = first.envelope.result
    kubectl = kubectlRunner(await kubectlFromImage(created.image), kubeconfig, created.context)
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    await kcluster(['delete', '--name', SECOND, '--kubeconfig', kubeconfig])
  })

  test('create reports the cluster in its JSON envelope', () => {
    assert.equal(created.name, NAME)
    assert.equal(created.context, `kcluster-${NAME}`)
    assert.match(created.server, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(created.nodes.length, 1)
    assert.ok(created.phases.length >= 5)
  })

  test('create --json: the envelope and every progress line on stderr validate against schemas/', () => {
    assert.deepEqual(envelopeProblems(createRun.envelope), [])
    // Strict: with --json, stderr carries nothing but events.
    assert.deepEqual(progressStreamProblems(createRun.stderr), [])
    const events = createRun.stderr.trim().split('\n').map((line) => JSON.parse(line))
    assert.ok(events.every((e) => e.source === 'kcluster/create' && e.subject === NAME))
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'event ids are unique')
    const completed = events.filter((e) => e.type === 'dev.kcluster.step.completed').map((e) => e.data.stepId)
    for (const stepId of ['provision-nodes', 'kubeadm-init', 'install-pod-network', 'wait-ready', 'write-kubeconfig']) assert.ok(completed.includes(stepId), stepId)
    // Every step that started ended, and the phases of the result are the steps that completed.
    const started = events.filter((e) => e.type === 'dev.kcluster.step.started').map((e) => e.data.stepId)
    assert.deepEqual(started, completed)
    assert.deepEqual(created.phases.map((p: {stepId: string}) => p.stepId), completed)
  })

  test('status and list --json validate against their schemas', async () => {
    const status = await kcluster(['status', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(status.exitCode, 0, JSON.stringify(status.envelope))
    assert.deepEqual(envelopeProblems(status.envelope), [])
    assert.equal(status.envelope.result.health, 'healthy')
    assert.equal(status.envelope.result.profile, E2E_PROFILE === 'light' ? 'light' : 'default')
    const listed = await kcluster(['list'])
    assert.deepEqual(envelopeProblems(listed.envelope), [])
    assert.equal(listed.envelope.result.clusters.find((c: {name: string}) => c.name === NAME)?.state, 'running')
  })

  test('kubeconfig: context merged and current, other context intact', () => {
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(kubeconfig)
    // Both creates set their context current; whichever finished last wins.
    assert.ok([`kcluster-${NAME}`, `kcluster-${SECOND}`].includes(kc.getCurrentContext()), kc.getCurrentContext())
    assert.equal(kc.getContextObject(`kcluster-${NAME}`)?.cluster, `kcluster-${NAME}`)
    assert.ok(kc.getContextObject('other'), 'the pre-existing context is kept')
    assert.equal(kc.getCluster('other')?.server, 'https://other.example:6443')
  })

  test('the API reports v1.34.x and the node is Ready', async () => {
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(kubeconfig)
    const version = await kc.makeApiClient(k8s.VersionApi).getCode()
    assert.match(version.gitVersion, /^v1\.34\.\d+$/)
    const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode()
    assert.equal(nodes.items.length, 1)
    const node = nodes.items[0]!
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True')
    assert.match(node.status?.nodeInfo?.kubeletVersion ?? '', /^v1\.34\.\d+$/)
    assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//)
  })

  test('kubectl get nodes shows the node Ready', async () => {
    const out = await kubectl(['get', 'nodes', '--no-headers'])
    assert.match(out, new RegExp(`^${NAME}-control-plane\\s+Ready\\s+control-plane\\s+\\S+\\s+v1\\.34\\.\\d+`, 'm'))
  })

  test('every kube-system pod is Running', async () => {
    const light = E2E_PROFILE === 'light'
    const pods = await eventually('kube-system pods Running', 120_000, async () => {
      const list = JSON.parse(await kubectl(['get', 'pods', '-n', 'kube-system', '-o', 'json'])).items as any[]
      // Profile light (KCLUSTER_E2E_PROFILE) runs kine outside Kubernetes: no etcd pod.
      return list.length >= (light ? 6 : 7) && list.every((p) => p.status.phase === 'Running') && list
    })
    const names = pods.map((p: any) => p.metadata.name).join(' ')
    for (const component of [...(light ? [] : ['etcd']), 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'coredns']) assert.match(names, new RegExp(component))
  })

  test('a second cluster created at the same time also works, and deletes on its own', async () => {
    assert.equal(second.exitCode, 0, JSON.stringify(second.envelope.error) + second.stderr.slice(-3000))
    assert.notEqual(second.envelope.result.server, created.server)
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(kubeconfig)
    assert.ok(kc.getContextObject(`kcluster-${NAME}`) && kc.getContextObject(`kcluster-${SECOND}`) && kc.getContextObject('other'))
    const deleted = await kcluster(['delete', '--name', SECOND, '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.deepEqual(await clusterResources(SECOND), {containers: 0, networks: 0, volumes: 0})
  })

  test('a locally built image is loaded and serves a Deployment behind a Service reached by DNS', async () => {
    await buildBusyboxImage(created.image, TEST_IMAGE)
    const loaded = await kcluster(['load', 'image', TEST_IMAGE, '--name', NAME])
    assert.equal(loaded.exitCode, 0, JSON.stringify(loaded.envelope.error))
    assert.deepEqual(loaded.envelope.result.nodes, [`${NAME}-control-plane`])

    await kubectl(['apply', '-f', '-'], manifests())
    await kubectl(['rollout', 'status', 'deployment/web', '-n', 'e2e', '--timeout=180s'])
    const body = await eventually('the Service to answer through cluster DNS', 120_000, async () => {
      const out = await kubectl(['exec', '-n', 'e2e', 'client', '--', 'timeout', '5', 'wget', '-qO-', 'http://web.e2e.svc.cluster.local/'])
      return out.includes('served-by') && out
    })
    assert.match(body, /served-by web-/)
  })

  test('a ConfigMap and a Secret mounted into a pod read back', async () => {
    const out = await eventually('the mounted files', 60_000, async () => {
      const text = await kubectl(['exec', '-n', 'e2e', 'client', '--', 'cat', '/config/greeting', '/secret/password'])
      return text.includes('hello from a configmap') && text
    })
    assert.match(out, /hello from a configmap/)
    assert.match(out, /s3cr3t-value/)
  })

  test('a deleted pod of the Deployment is replaced', async () => {
    const before = JSON.parse(await kubectl(['get', 'pods', '-n', 'e2e', '-l', 'app=web', '-o', 'json'])).items.map((p: any) => p.metadata.name) as string[]
    assert.equal(before.length, 2)
    await kubectl(['delete', 'pod', '-n', 'e2e', before[0]!, '--wait=true'])
    await eventually('a replacement pod Running', 120_000, async () => {
      const pods = JSON.parse(await kubectl(['get', 'pods', '-n', 'e2e', '-l', 'app=web', '-o', 'json'])).items as any[]
      const running = pods.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp)
      return running.length === 2 && !running.some((p) => p.metadata.name === before[0])
    })
  })

  test('creating an existing cluster fails clearly and touches nothing', async () => {
    const before = readFileSync(kubeconfig, 'utf8')
    const again = await kcluster(['create', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(again.exitCode, 6)
    assert.equal(again.envelope.error?.code, 'CLUSTER_EXISTS')
    assert.equal(readFileSync(kubeconfig, 'utf8'), before)
    assert.match(await kubectl(['get', 'nodes', '--no-headers']), /Ready/)
  })

  test('delete removes containers, network, volumes and the kubeconfig entry', async () => {
    const deleted = await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.equal(deleted.envelope.result.deleted[0].existed, true)
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(kubeconfig)
    assert.equal(kc.getContextObject(`kcluster-${NAME}`), null)
    assert.equal(kc.getCluster(`kcluster-${NAME}`), null)
    assert.ok(kc.getContextObject('other'))
    const again = await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(again.exitCode, 0)
    assert.equal(again.envelope.result.deleted[0].existed, false)
  })
})

function manifests(): string {
  return `
apiVersion: v1
kind: Namespace
metadata: {name: e2e}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: e2e}
data: {greeting: "hello from a configmap"}
---
apiVersion: v1
kind: Secret
metadata: {name: credentials, namespace: e2e}
stringData: {password: "s3cr3t-value"}
---
${httpdDeployment(TEST_IMAGE, 2, {namespace: 'e2e', pullPolicy: 'IfNotPresent'}).trimStart()}---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: e2e}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: e2e}
spec:
  containers:
  - name: client
    image: ${TEST_IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sleep", "100000"]
    volumeMounts:
    - {name: config, mountPath: /config}
    - {name: secret, mountPath: /secret}
  volumes:
  - {name: config, configMap: {name: settings}}
  - {name: secret, secret: {secretName: credentials}}
`
}
