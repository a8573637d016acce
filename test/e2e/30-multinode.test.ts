// Clusters of many nodes from config files, end to end: a kind config of one
// control plane and two workers, and three control planes behind the load
// balancer. Real Docker, real Kubernetes, real clients.
import assert from 'node:assert/strict'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import * as k8s from '@kubernetes/client-node'
import * as tar from 'tar'
import {clusterResources, docker, eventually, freePort, kcluster, kubectlFromImage, kubectlRunner, tempDir, loadTestImage} from './helpers.js'

const TEST_IMAGE = 'kcluster-e2e/busybox:1'

describe('1 control plane + 2 workers from a kind config file', {timeout: 30 * 60_000}, () => {
  const NAME = 'e2e-multi'
  const dir = tempDir('kcluster-e2e-multi-')
  const kubeconfig = join(dir, 'config')
  const hostDir = join(dir, 'shared')
  let nodePortOnHost = 0
  let created: any
  let kubectl: (args: string[], input?: string) => Promise<string>

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    mkdirSync(hostDir)
    writeFileSync(join(hostDir, 'greeting.txt'), 'hello from the host\n')
    nodePortOnHost = await freePort()
    const config = join(dir, 'cluster.yaml')
    writeFileSync(
      config,
      [
        'kind: Cluster',
        'apiVersion: kind.x-k8s.io/v1alpha4',
        'containerdConfigPatches:',
        '- |-',
        '  [plugins."io.containerd.grpc.v1.cri".registry]',
        '    config_path = "/etc/containerd/certs.d"',
        'nodes:',
        '- role: control-plane',
        '- role: worker',
        '  labels: {tier: frontend}',
        '  extraPortMappings:',
        `  - {containerPort: 30080, hostPort: ${nodePortOnHost}}`,
        '  extraMounts:',
        `  - {hostPath: ${hostDir}, containerPath: /mnt/shared, readOnly: true}`,
        '- role: worker',
        '  labels: {tier: backend}',
        '',
      ].join('\n'),
    )
    const out = await kcluster(['create', '--name', NAME, '--config', config, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    created = out.envelope.result
    kubectl = kubectlRunner(await kubectlFromImage(created.image), kubeconfig, created.context)
    await loadTestImage(created.image, NAME, TEST_IMAGE)
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  test('create and list report every node with its role and address', async () => {
    assert.deepEqual(
      created.nodes.map((n: any) => [n.name, n.role]),
      [[`${NAME}-control-plane`, 'control-plane'], [`${NAME}-worker`, 'worker'], [`${NAME}-worker2`, 'worker']],
    )
    const listed = (await kcluster(['list'])).envelope.result.clusters.find((c: any) => c.name === NAME)
    assert.equal(listed.state, 'running')
    assert.deepEqual(listed.nodes.map((n: any) => n.ipv4).sort(), created.nodes.map((n: any) => n.ipv4).sort())
  })

  test('containerd on every node runs with the config patch', async () => {
    for (const node of created.nodes) {
      const exec = await docker.getContainer(node.containerName).exec({Cmd: ['containerd', 'config', 'dump'], AttachStdout: true, AttachStderr: true})
      const stream = await exec.start({hijack: true, stdin: false})
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      await new Promise((ok) => stream.on('end', ok))
      assert.match(Buffer.concat(chunks).toString('utf8'), /config_path = "\/etc\/containerd\/certs\.d"/, node.name)
    }
  })

  test('three nodes Ready, with their roles, labels and taints', async () => {
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(kubeconfig)
    kc.setCurrentContext(created.context)
    const nodes = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items
    const byName = Object.fromEntries(nodes.map((n) => [n.metadata!.name!, n]))
    assert.deepEqual(Object.keys(byName).sort(), [`${NAME}-control-plane`, `${NAME}-worker`, `${NAME}-worker2`])
    for (const node of nodes) assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', node.metadata!.name)
    assert.equal(byName[`${NAME}-worker`]!.metadata!.labels!['tier'], 'frontend')
    assert.equal(byName[`${NAME}-worker2`]!.metadata!.labels!['tier'], 'backend')
    assert.ok(`node-role.kubernetes.io/worker` in byName[`${NAME}-worker`]!.metadata!.labels!)
    assert.ok(byName[`${NAME}-control-plane`]!.spec!.taints?.some((t) => t.key === 'node-role.kubernetes.io/control-plane'))
  })

  test('pods on different nodes reach each other by IP, and a Service whose only endpoint is elsewhere answers', async () => {
    await kubectl(['apply', '-f', '-'], podsOnEveryNode(NAME))
    await kubectl(['wait', '--for=condition=Ready', 'pod', '-l', 'app=everywhere', '--timeout=180s'])
    const pods = JSON.parse(await kubectl(['get', 'pods', '-l', 'app=everywhere', '-o', 'json'])).items as any[]
    const ipOf = (node: string) => pods.find((p) => p.spec.nodeName === node).status.podIP as string
    const body = await eventually('pod on worker → pod on worker2 by IP', 60_000, async () => {
      const out = await kubectl(['exec', 'everywhere-worker', '--', 'timeout', '5', 'wget', '-qO-', `http://${ipOf(`${NAME}-worker2`)}:8080/`])
      return out.includes('served-by') && out
    })
    assert.match(body, /served-by everywhere-worker2/)
    const viaService = await eventually('the Service with its one endpoint on worker2, from worker', 60_000, async () => {
      const out = await kubectl(['exec', 'everywhere-worker', '--', 'timeout', '5', 'wget', '-qO-', 'http://only-worker2.default.svc.cluster.local/'])
      return out.includes('served-by') && out
    })
    assert.match(viaService, /served-by everywhere-worker2/)
  })

  test('cluster DNS answers from the pods of every node', async () => {
    for (const node of ['control-plane', 'worker', 'worker2']) {
      const out = await eventually(`DNS from the pod on ${node}`, 60_000, async () => kubectl(['exec', `everywhere-${node}`, '--', 'nslookup', 'kubernetes.default.svc.cluster.local']))
      assert.match(out, /Address:\s*10\.96\.0\.1\b/, node)
    }
  })

  test('a PVC of the default class is written and read back', async () => {
    await kubectl(['apply', '-f', '-'], volumeWriter())
    await kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/volume-writer', '--timeout=180s'])
    assert.equal(JSON.parse(await kubectl(['get', 'pvc', 'data', '-o', 'json'])).spec.storageClassName, 'standard')
    await kubectl(['apply', '-f', '-'], volumeReader())
    await kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/volume-reader', '--timeout=180s'])
    assert.equal((await kubectl(['logs', 'volume-reader'])).trim(), 'kept on a volume')
  })

  test('a NodePort answers on the host through extraPortMappings', async () => {
    await kubectl(['apply', '-f', '-'], nodePortService())
    const body = await eventually(`http://127.0.0.1:${nodePortOnHost}/`, 60_000, async () => {
      const response = await fetch(`http://127.0.0.1:${nodePortOnHost}/`, {signal: AbortSignal.timeout(3000)})
      const text = await response.text()
      return text.includes('served-by') && text
    })
    assert.match(body, /served-by everywhere-/)
  })

  test('load image sends each node only the layers it lacks, and pods run what was sent', async () => {
    const image = 'kcluster-e2e/delta:dev'
    const build = async (top: string) => {
      const dir = tempDir('kcluster-e2e-delta-')
      writeFileSync(join(dir, 'payload.bin'), Buffer.alloc(2 * 1024 * 1024, 1))
      writeFileSync(join(dir, 'top.txt'), `${top}\n`)
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY payload.bin /payload.bin\nCOPY top.txt /top.txt\n`)
      const stream = await docker.buildImage(tar.c({cwd: dir, portable: true}, ['.']) as unknown as NodeJS.ReadableStream, {t: image})
      await new Promise<void>((ok, fail) => docker.modem.followProgress(stream, (error: Error | null) => (error ? fail(error) : ok())))
    }
    const load = async () => {
      const out = await kcluster(['load', 'image', image, '--name', NAME])
      assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error))
      return out.envelope.result.transfers as {node: string; upToDate: string[]; layersSent: number; layersTotal: number; bytesSent: number}[]
    }
    await build('first')
    const first = await load()
    assert.equal(first.length, 3, 'every node at once')
    for (const t of first) assert.ok(t.bytesSent > 2 * 1024 * 1024 && t.layersSent === 2, `${t.node} gets the two new layers, not busybox again: ${JSON.stringify(t)}`)
    const again = await load()
    for (const t of again) assert.deepEqual([t.upToDate, t.bytesSent], [[image], 0], `${t.node}: an unchanged image sends nothing`)
    await build('second')
    const changed = await load()
    for (const t of changed) assert.ok(t.layersSent === 1 && t.bytesSent < 64 * 1024, `${t.node}: only the changed top layer: ${JSON.stringify(t)}`)
    await kubectl(['run', 'delta-reader', '--image', image, '--image-pull-policy=Never', '--restart=Never', '--overrides', JSON.stringify({spec: {nodeName: `${NAME}-worker2`}}), '--', 'cat', '/top.txt'])
    await kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/delta-reader', '--timeout=120s'])
    assert.equal((await kubectl(['logs', 'delta-reader'])).trim(), 'second')
  })

  test('a host folder from extraMounts is seen in a pod through hostPath', async () => {
    await kubectl(['apply', '-f', '-'], hostPathReader(`${NAME}-worker`))
    await kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/host-reader', '--timeout=120s'])
    assert.equal((await kubectl(['logs', 'host-reader'])).trim(), 'hello from the host')
  })

  test('delete removes every node', async () => {
    const deleted = await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
  })
})

describe('3 control planes + 1 worker behind the load balancer', {timeout: 30 * 60_000}, () => {
  const NAME = 'e2e-ha'
  const dir = tempDir('kcluster-e2e-ha-')
  const kubeconfig = join(dir, 'config')
  let created: any
  let kubectl: (args: string[], input?: string) => Promise<string>

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    const config = join(dir, 'cluster.yaml')
    writeFileSync(config, 'apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nnodes:\n- role: control-plane\n- role: control-plane\n- role: control-plane\n- role: worker\n')
    const out = await kcluster(['create', '--name', NAME, '--config', config, '--kubeconfig', kubeconfig, '--wait', '8m'])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    created = out.envelope.result
    kubectl = kubectlRunner(await kubectlFromImage(created.image), kubeconfig, created.context)
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  test('kubectl works through the load balancer', async () => {
    assert.deepEqual(created.loadBalancer, {name: `${NAME}-load-balancer`, containerName: `kcluster.${NAME}.load-balancer`, ipv4: created.loadBalancer.ipv4, state: 'running'})
    const listed = (await kcluster(['list'])).envelope.result.clusters.find((c: any) => c.name === NAME)
    assert.equal(listed.loadBalancer.containerName, `kcluster.${NAME}.load-balancer`)
    assert.equal(listed.loadBalancer.state, 'running')
    const lb = await docker.getContainer(listed.loadBalancer.containerName).inspect()
    const published = lb.NetworkSettings.Ports['6443/tcp']?.[0]
    assert.equal(created.server, `https://127.0.0.1:${published?.HostPort}`, 'the kubeconfig points at the load balancer')
    const nodes = (await kubectl(['get', 'nodes', '--no-headers'])).trim().split('\n')
    assert.equal(nodes.length, 4)
    assert.ok(nodes.every((line) => /\sReady\s/.test(line)), nodes.join('\n'))
  })

  test('with one control plane stopped, the API still answers and a new pod is scheduled', async () => {
    await docker.getContainer(`kcluster.${NAME}.control-plane`).stop({t: 5})
    await eventually('the API through the other control planes', 60_000, async () => (await kubectl(['get', 'nodes'])).includes(`${NAME}-worker`))
    // The pause image is preloaded in every node under the name kubeadm gave it.
    const preloaded = (await docker.getImage(created.image).inspect()).Config.Labels['io.kcluster.preloaded-images']!.split(',')
    const pause = preloaded.find((image) => /\/pause:/.test(image))!
    await kubectl(['run', 'after-failover', `--image=${pause}`, '--image-pull-policy=Never'])
    // Leader election moves the scheduler within its lease (15 s by default).
    await kubectl(['wait', '--for=condition=Ready', 'pod/after-failover', '--timeout=120s'])
    assert.equal(JSON.parse(await kubectl(['get', 'pod', 'after-failover', '-o', 'json'])).spec.nodeName, `${NAME}-worker`)
  })

  test('delete removes everything, the load balancer included', async () => {
    const deleted = await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
  })
})

function podsOnEveryNode(cluster: string): string {
  const pod = (node: string) => `
apiVersion: v1
kind: Pod
metadata: {name: everywhere-${node}, labels: {app: everywhere, node: ${node}}}
spec:
  nodeName: ${cluster}-${node}
  tolerations: [{operator: Exists}]
  containers:
  - name: httpd
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command: ["sh", "-c", "mkdir -p /www && echo served-by everywhere-${node} > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{containerPort: 8080}]
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`
  return [
    ...['control-plane', 'worker', 'worker2'].map(pod),
    `
apiVersion: v1
kind: Service
metadata: {name: only-worker2}
spec:
  selector: {app: everywhere, node: worker2}
  ports: [{port: 80, targetPort: 8080}]
`,
  ].join('---')
}

function nodePortService(): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: published}
spec:
  type: NodePort
  selector: {app: everywhere}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
`
}

function volumeWriter(): string {
  return `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: volume-writer}
spec:
  restartPolicy: Never
  containers:
  - name: writer
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command: ["sh", "-c", "echo kept on a volume > /data/note"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`
}

function volumeReader(): string {
  return `
apiVersion: v1
kind: Pod
metadata: {name: volume-reader}
spec:
  restartPolicy: Never
  containers:
  - name: reader
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command: ["cat", "/data/note"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`
}

function hostPathReader(node: string): string {
  return `
apiVersion: v1
kind: Pod
metadata: {name: host-reader}
spec:
  restartPolicy: Never
  nodeName: ${node}
  containers:
  - name: reader
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command: ["cat", "/shared/greeting.txt"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  volumes: [{name: shared, hostPath: {path: /mnt/shared, type: Directory}}]
`
}
