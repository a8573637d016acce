// Ports after create, end to end: a NodePort Service made after the cluster
// answers on a host port added after it, with no node restarted; the port is
// listed, refused twice, and closed again by remove.
import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {clusterResources, docker, eventually, freePort, httpdDeployment, kcluster, kubectlFromImage, kubectlRunner, tempDir, tryConnect, loadTestImage} from './helpers.js'

const NAME = 'pt-e2e'
const TEST_IMAGE = 'kcluster-e2e/busybox:1'

/** Asks a DNS server on 127.0.0.1:port over UDP for the A record of `name`; the addresses of the answer. */
async function queryDns(port: number, name: string): Promise<string[]> {
  const question = Buffer.concat([...name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)])), Buffer.from([0, 0, 1, 0, 1])])
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), question])
  const socket = createSocket('udp4')
  try {
    const answer = await new Promise<Buffer>((resolve, reject) => {
      socket.on('message', resolve)
      socket.on('error', reject)
      setTimeout(() => reject(new Error('no DNS answer within 3s')), 3000).unref()
      socket.send(query, port, '127.0.0.1')
    })
    // A records of a compressed answer end with type A, class IN, TTL, length 4, then the address.
    return [...answer.subarray(query.length).toString('hex').matchAll(/000100010000....0004(........)/g)].map((m) => Buffer.from(m[1]!, 'hex').join('.'))
  } finally {
    socket.close()
  }
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', ok))
  const port = socket.address().port
  await new Promise<void>((ok) => socket.close(ok))
  return port
}

async function nodeStarts(container: string): Promise<{startedAt: string; restartCount: number}> {
  const info = await docker.getContainer(container).inspect()
  return {startedAt: info.State.StartedAt, restartCount: info.RestartCount}
}

describe('ports after create', {timeout: 30 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-ports-')
  const kubeconfig = join(dir, 'config')
  const nodeContainer = `kcluster.${NAME}.control-plane`
  let kubectl: (args: string[], input?: string) => Promise<string>
  let before_: {startedAt: string; restartCount: number}
  let nodePort = 0
  let hostPort = 0

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    const out = await kcluster(['create', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    const created = out.envelope.result
    kubectl = kubectlRunner(await kubectlFromImage(created.image), kubeconfig, created.context)
    await loadTestImage(created.image, NAME, TEST_IMAGE)
    before_ = await nodeStarts(nodeContainer)
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  test('a NodePort Service made after create answers on a host port added after create, no node restarted', async () => {
    await kubectl(['apply', '-f', '-'], webAndNodePort())
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=180s'])
    nodePort = Number(await kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']))
    hostPort = await freePort()
    const added = await kcluster(['port', 'add', `${hostPort}:${nodePort}`, '--name', NAME])
    assert.equal(added.exitCode, 0, JSON.stringify(added.envelope.error) + added.stderr.slice(-3000))
    assert.deepEqual(added.envelope.result.port, {
      hostAddress: '127.0.0.1', hostPort, protocol: 'tcp', node: `${NAME}-control-plane`, nodePort, source: 'port add', container: `kcluster.${NAME}.port-127.0.0.1-${hostPort}-tcp`, state: 'running',
    })
    const body = await eventually(`http://127.0.0.1:${hostPort}/`, 60_000, async () => {
      const response = await fetch(`http://127.0.0.1:${hostPort}/`, {signal: AbortSignal.timeout(3000)})
      const text = await response.text()
      return text.includes('served-by') && text
    })
    assert.match(body, /served-by web-/)
    assert.deepEqual(await nodeStarts(nodeContainer), before_, 'the node container was not restarted')
    const front = await docker.getContainer(added.envelope.result.port.container).inspect()
    assert.equal(front.HostConfig.RestartPolicy?.Name, 'unless-stopped')
    const listed = (await kcluster(['list'])).envelope.result.clusters.find((c: any) => c.name === NAME)
    assert.equal(listed.state, 'running')
    assert.deepEqual(listed.nodes.map((n: any) => n.name), [`${NAME}-control-plane`])
  })

  test('UDP: cluster DNS through a NodePort Service answers on an added UDP port', async () => {
    await kubectl(['apply', '-f', '-'], dnsNodePort())
    const dnsNodePortNumber = Number(await kubectl(['get', 'service', '-n', 'kube-system', 'dns-udp', '-o', 'jsonpath={.spec.ports[0].nodePort}']))
    const udpPort = await freeUdpPort()
    const added = await kcluster(['port', 'add', `${udpPort}:${dnsNodePortNumber}`, '--protocol', 'udp', '--name', NAME])
    assert.equal(added.exitCode, 0, JSON.stringify(added.envelope.error) + added.stderr.slice(-3000))
    const addresses = await eventually(`DNS over UDP on 127.0.0.1:${udpPort}`, 60_000, async () => {
      const found = await queryDns(udpPort, 'kubernetes.default.svc.cluster.local')
      return found.length > 0 && found
    })
    assert.deepEqual(addresses, ['10.96.0.1'])
    const removed = await kcluster(['port', 'remove', String(udpPort), '--protocol', 'udp', '--name', NAME])
    assert.equal(removed.envelope.result.removed, true)
  })

  test('port list shows the API server from create and the added port', async () => {
    const out = await kcluster(['port', 'list', '--name', NAME])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error))
    const ports = out.envelope.result.ports as any[]
    const api = ports.find((p) => p.source === 'create')
    assert.deepEqual({...api, hostPort: 0, state: ''}, {hostAddress: '127.0.0.1', hostPort: 0, protocol: 'tcp', node: `${NAME}-control-plane`, containerPort: 6443, source: 'create', container: nodeContainer, state: ''})
    const addedPort = ports.find((p) => p.source === 'port add')
    assert.deepEqual([addedPort.hostPort, addedPort.node, addedPort.nodePort, addedPort.state], [hostPort, `${NAME}-control-plane`, nodePort, 'running'])
  })

  test('the same host port twice, and a host port held by another program, are refused before anything is created', async () => {
    const fronts = async () => (await clusterResources(NAME)).containers
    const count = await fronts()
    const twice = await kcluster(['port', 'add', `${hostPort}:${nodePort}`, '--name', NAME])
    assert.equal(twice.exitCode, 3)
    assert.match(twice.envelope.error!.message, /already forwarded/)
    const server: Server = createServer()
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
    try {
      const held = (server.address() as {port: number}).port
      const taken = await kcluster(['port', 'add', `${held}:${nodePort}`, '--name', NAME])
      assert.equal(taken.exitCode, 3)
      assert.match(taken.envelope.error!.message, new RegExp(`127\\.0\\.0\\.1:${held}/tcp is already in use by another program`))
    } finally {
      await new Promise((ok) => server.close(ok))
    }
    assert.equal(await fronts(), count)
  })

  test('port remove closes the port; again is a note; a create-time port cannot be removed', async () => {
    const removed = await kcluster(['port', 'remove', String(hostPort), '--name', NAME])
    assert.equal(removed.exitCode, 0, JSON.stringify(removed.envelope.error))
    assert.equal(removed.envelope.result.removed, true)
    assert.equal(await tryConnect(hostPort), 'ECONNREFUSED')
    const again = await kcluster(['port', 'remove', String(hostPort), '--name', NAME])
    assert.deepEqual([again.exitCode, again.envelope.result.removed], [0, false])
    const api = (await kcluster(['port', 'list', '--name', NAME])).envelope.result.ports.find((p: any) => p.source === 'create')
    const refused = await kcluster(['port', 'remove', String(api.hostPort), '--name', NAME])
    assert.equal(refused.exitCode, 3)
    assert.match(refused.envelope.error!.message, /part of the node container/)
  })

  test('a missing cluster: exit 5', async () => {
    for (const args of [['port', 'add', '18080:30080'], ['port', 'remove', '18080'], ['port', 'list']]) {
      const out = await kcluster([...args, '--name', 'pt-missing'])
      assert.equal(out.exitCode, 5, args.join(' '))
      assert.equal(out.envelope.error!.code, 'CLUSTER_MISSING')
    }
  })

  test('delete takes the added ports with the cluster', async () => {
    const added = await kcluster(['port', 'add', `${await freePort()}:${nodePort}`, '--name', NAME])
    assert.equal(added.exitCode, 0, JSON.stringify(added.envelope.error))
    const deleted = await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(deleted.exitCode, 0)
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
  })
})

function webAndNodePort(): string {
  return `${httpdDeployment(TEST_IMAGE, 1)}---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`
}

function dnsNodePort(): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: dns-udp, namespace: kube-system}
spec:
  type: NodePort
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, targetPort: 53, protocol: UDP}]
`
}
