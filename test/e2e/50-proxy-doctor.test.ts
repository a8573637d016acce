// Corporate and constrained hosts, end to end. A cluster created behind a
// proxy (a tiny one run by this test, on the Docker bridge, answering 502 to
// everything) becomes Ready with DNS answering, so nothing inside the cluster
// went through it; containerd does use it, its environment and the API
// server's manifest hold the variables, and they survive stop and start.
// `kcluster doctor` on this machine gives its stable shape, and names a host
// port this test holds, with the command that frees it. (A lowered inotify
// limit is not tried here: it is machine-wide, and other people's clusters
// share this machine; unit tests decide it from made-up limits.)
import assert from 'node:assert/strict'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import {createServer as createTcpServer, type Server as TcpServer} from 'node:net'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {docker, eventually, freePort, kcluster, kubectlFromImage, kubectlRunner, tempDir} from './helpers.js'

const NAME = 'proxy-e2e'
const CONTROL_PLANE = `kcluster.${NAME}.control-plane`
/** A registry name that resolves nowhere: only a proxy could be asked for it. */
const PROBE_HOST = 'proxy-probe.invalid'

/** An HTTP proxy that records what it is asked for and forwards nothing. */
async function startProxy(): Promise<{server: Server; port: number; seen: string[]}> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    seen.push(hostOf(req))
    res.writeHead(502).end('test proxy: no upstream\n')
  })
  server.on('connect', (req: IncomingMessage, socket) => {
    seen.push(hostOf(req))
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
  })
  await new Promise<void>((ok) => server.listen(0, '0.0.0.0', ok))
  return {server, port: (server.address() as {port: number}).port, seen}
}

/** The host asked for: "host:port" of a CONNECT, the host of an absolute URL otherwise. */
function hostOf(req: IncomingMessage): string {
  if (req.method === 'CONNECT') return (req.url ?? '').replace(/:\d+$/, '')
  try {
    return new URL(req.url ?? '').hostname
  } catch {
    return req.headers.host ?? '?'
  }
}

/** The address of this machine that containers reach: the default bridge's gateway. */
async function bridgeGateway(): Promise<string> {
  const bridge = await docker.getNetwork('bridge').inspect()
  return bridge.IPAM?.Config?.[0]?.Gateway ?? '172.17.0.1'
}

async function execIn(container: string, command: string[]): Promise<string> {
  const exec = await docker.getContainer(container).exec({Cmd: command, AttachStdout: true, AttachStderr: true})
  const stream = await exec.start({hijack: true, stdin: false})
  const chunks: Buffer[] = []
  await new Promise<void>((ok, fail) => {
    docker.modem.demuxStream(stream, {write: (c: Buffer) => chunks.push(c)} as any, {write: (c: Buffer) => chunks.push(c)} as any)
    stream.on('end', ok)
    stream.on('error', fail)
  })
  return Buffer.concat(chunks).toString('utf8')
}

/** The environment of a process of the node, by name. */
async function environOf(container: string, program: string): Promise<Record<string, string>> {
  const text = await execIn(container, ['sh', '-c', `tr '\\0' '\\n' < /proc/$(pidof ${program})/environ`])
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

describe('a cluster behind a proxy (1 node)', {timeout: 20 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-proxy-')
  const kubeconfig = join(dir, 'config')
  let proxy: Awaited<ReturnType<typeof startProxy>>
  let proxyUrl = ''
  let created: any

  /** Asked of the proxy for something inside the cluster: its names, addresses, subnets or domains. */
  const internal = (host: string) =>
    /(^|\.)(svc|cluster\.local)$|^localhost$|^127\.|^10\.(244|96)\./.test(host) ||
    created.nodes.some((n: any) => n.name === host || n.ipv4 === host) ||
    host.startsWith(created.network.subnet.split('.').slice(0, 3).join('.') + '.')

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    proxy = await startProxy()
    proxyUrl = `http://${await bridgeGateway()}:${proxy.port}`
    // NO_PROXY unset, in either case: create must add everything the cluster needs itself.
    const env = {HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, http_proxy: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined} as unknown as Record<string, string>
    const out = await kcluster(['create', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '5m'], env)
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    created = out.envelope.result
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    proxy?.server.close()
  })

  test('Ready with DNS answering (create waited for both), and nothing inside the cluster was sent to the proxy', async () => {
    const kubectl = kubectlRunner(await kubectlFromImage(created.image), kubeconfig, created.context)
    assert.match(await kubectl(['get', 'nodes', '--no-headers']), new RegExp(`^${NAME}-control-plane\\s+Ready\\s`))
    assert.deepEqual(proxy.seen.filter(internal), [], `asked of the proxy: ${JSON.stringify(proxy.seen)}`)
  })

  test("containerd and kubelet run with the proxy and a NO_PROXY of the cluster's own names, addresses and subnets", async () => {
    for (const program of ['containerd', 'kubelet']) {
      const env = await environOf(CONTROL_PLANE, program)
      assert.equal(env.HTTP_PROXY, proxyUrl, program)
      assert.equal(env.https_proxy, proxyUrl, program)
      const noProxy = (env.NO_PROXY ?? '').split(',')
      for (const entry of ['localhost', '127.0.0.1', '.svc', '.cluster.local', created.network.subnet, '10.244.0.0/16', '10.96.0.0/16', `${NAME}-control-plane`, created.nodes[0].ipv4]) {
        assert.ok(noProxy.includes(entry), `${program}: NO_PROXY lacks ${entry}: ${env.NO_PROXY}`)
      }
    }
  })

  test("kubeadm put the variables into the API server's static pod", async () => {
    const manifest = await execIn(CONTROL_PLANE, ['cat', '/etc/kubernetes/manifests/kube-apiserver.yaml'])
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) assert.match(manifest, new RegExp(`- name: ${name}\\n\\s+value: \\S`), `${name} in the manifest`)
    assert.ok(manifest.includes(proxyUrl))
  })

  test('containerd pulls through the proxy', async (t) => {
    await execIn(CONTROL_PLANE, ['crictl', 'pull', `${PROBE_HOST}/probe:1`])
    await eventually('the proxy to be asked for the probe registry', 30_000, async () => proxy.seen.includes(PROBE_HOST))
    t.diagnostic(`the proxy was asked for: ${proxy.seen.join(', ')}`)
  })

  test('the variables survive stop and start', async () => {
    assert.equal((await kcluster(['stop', '--name', NAME])).exitCode, 0)
    const started = await kcluster(['start', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(started.exitCode, 0, JSON.stringify(started.envelope.error))
    assert.equal((await environOf(CONTROL_PLANE, 'containerd')).HTTPS_PROXY, proxyUrl)
    assert.deepEqual(proxy.seen.filter(internal), [], `asked of the proxy: ${JSON.stringify(proxy.seen)}`)
  })
})

describe('kcluster doctor', {timeout: 10 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-doctor-')
  const CHECKS = ['docker', 'security-mode', 'inotify', 'disk', 'host-ports', 'proxy']

  test('on this machine: every check in its stable shape; the exit code follows ok', async () => {
    const out = await kcluster(['doctor', '--nodes', '2'])
    const result = out.envelope.result
    assert.equal(out.envelope.status, 'ok')
    assert.deepEqual(Object.keys(result).sort(), ['checks', 'ok'])
    assert.deepEqual(result.checks.map((c: any) => c.id), CHECKS)
    for (const check of result.checks) {
      assert.ok(['ok', 'warn', 'fail'].includes(check.status), JSON.stringify(check))
      assert.equal(typeof check.summary, 'string')
      for (const key of Object.keys(check)) assert.ok(['id', 'status', 'summary', 'details', 'fix'].includes(key), key)
      if (check.status !== 'ok') assert.equal(typeof check.fix, 'string', `${check.id} says how to fix it`)
    }
    assert.equal(result.ok, result.checks.every((c: any) => c.status !== 'fail'))
    assert.equal(out.exitCode, result.ok ? 0 : 14)
    assert.equal(result.checks[0].status, 'ok', 'Docker answers here')
  })

  describe('a host port the config fixes is taken', () => {
    let holder: TcpServer
    let port = 0
    const config = join(dir, 'cluster.yaml')

    before(async () => {
      port = await freePort()
      holder = createTcpServer()
      await new Promise<void>((ok) => holder.listen(port, '127.0.0.1', ok))
      writeFileSync(config, `apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nname: proxy-e2e-port\nnodes:\n- role: control-plane\n  extraPortMappings:\n  - {containerPort: 30080, hostPort: ${port}}\n`)
    })

    after(async () => {
      holder?.close()
      await kcluster(['delete', '--name', 'proxy-e2e-port'])
    })

    test('doctor names who holds it and how to free it, exit 14; create refuses it with the same words, exit 3', async () => {
      const out = await kcluster(['doctor', '--config', config])
      assert.equal(out.exitCode, 14)
      assert.equal(out.envelope.result.ok, false)
      const ports = out.envelope.result.checks.find((c: any) => c.id === 'host-ports')
      assert.equal(ports.status, 'fail')
      const words = `nodes[0].extraPortMappings[0].hostPort: host port 127.0.0.1:${port}/tcp is already in use by another program (${readFileSync('/proc/self/comm', 'utf8').trim()}, pid ${process.pid}); free it or choose another port`
      assert.equal(ports.summary, words)
      assert.match(ports.fix, new RegExp(`^kill ${process.pid} .*nodes\\[0\\]\\.extraPortMappings\\[0\\]\\.hostPort to another port`))
      const create = await kcluster(['create', '--config', config, '--wait', '0'])
      assert.equal(create.exitCode, 3, JSON.stringify(create.envelope))
      assert.equal(create.envelope.error?.message, `invalid configuration: ${words}`)
    })
  })
})
