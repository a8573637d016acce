// The ingress and dashboard addons end to end on a real cluster, through
// `kcluster addons enable|disable`: Traefik built from its Go module routes an
// Ingress and Gateway API HTTPRoutes from the host's 127.0.0.1:80 (and :443)
// to an httpd Service; Kubernetes Web View, loaded in headless Chromium,
// lists the cluster's namespaces; disable leaves nothing of either behind.
import assert from 'node:assert/strict'
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {execa} from 'execa'
import {buildBusyboxImage, docker, eventually, freePort, httpdWithService, kcluster, kubectlFromImage, kubectlRunner, tempDir, tryConnect} from './helpers.js'

const NAME = 'addons2-e2e'
const TEST_IMAGE = 'kcluster-e2e/busybox:1'

/** One HTTP(S) request to 127.0.0.1 with a Host header (and TLS server name), as a browser for that host would send it. */
function get(port: number, host: string, tls = false, path = '/'): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const options = {host: '127.0.0.1', port, path, headers: {host}, servername: host, rejectUnauthorized: false, timeout: 5000}
    const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

function servedBy(port: number, host: string, tls = false): Promise<string> {
  return eventually(`${tls ? 'https' : 'http'}://${host} through 127.0.0.1:${port}`, 90_000, async () => {
    const {status, body} = await get(port, host, tls)
    return status === 200 && body.startsWith('served-by') && body
  })
}

async function addonContainers(addon: string): Promise<string[]> {
  const listed = await docker.listContainers({all: true, filters: {label: [`io.kcluster.cluster=${NAME}`, `io.kcluster.addon=${addon}`]}})
  return listed.map((c) => c.Names[0]!.replace(/^\//, ''))
}

describe('ingress and dashboard addons', {timeout: 60 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-addons2-')
  const kubeconfig = join(dir, 'config')
  let kubectl: (args: string[], input?: string) => Promise<string>

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    const out = await kcluster(['create', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    kubectl = kubectlRunner(await kubectlFromImage(out.envelope.result.image), kubeconfig, out.envelope.result.context)
    await buildBusyboxImage(out.envelope.result.image, TEST_IMAGE)
    const loaded = await kcluster(['load', 'image', TEST_IMAGE, '--name', NAME])
    assert.equal(loaded.exitCode, 0, JSON.stringify(loaded.envelope.error))
    await kubectl(['apply', '-f', '-'], httpdWithService(TEST_IMAGE, 1))
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  test('ingress: enable publishes 127.0.0.1:80 and :443; an Ingress routes a Host header to a Service', async () => {
    const enabled = await kcluster(['addons', 'enable', 'ingress', '--name', NAME], {}, true)
    assert.equal(enabled.exitCode, 0, JSON.stringify(enabled.envelope.error) + enabled.stderr.slice(-3000))
    const [entry] = enabled.envelope.result.addons
    assert.equal(entry.outcome, 'enabled')
    assert.match(entry.message, /http:\/\/127\.0\.0\.1 /)
    process.stderr.write(`ingress enabled in ${(entry.durationMs / 1000).toFixed(1)}s (image built: ${entry.images[0].built}, loaded: ${entry.images[0].loaded})\n`)

    await kubectl(['apply', '-f', '-'], ingressFor('web.localtest.me'))
    assert.match(await servedBy(80, 'web.localtest.me'), /^served-by web-/)
    assert.match(await servedBy(443, 'web.localtest.me', true), /^served-by web-/)
    assert.equal((await get(80, 'nobody.localtest.me')).status, 404)
    const address = await eventually('the Ingress status address', 30_000, async () => (await kubectl(['get', 'ingress', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])) || undefined)
    assert.equal(address, '127.0.0.1')

    const again = await kcluster(['addons', 'enable', 'ingress', '--name', NAME])
    assert.deepEqual([again.exitCode, again.envelope.result.addons[0].outcome], [0, 'already-enabled'])
    // status reads the same state through the API server: its CRD kinds (GatewayClass, Gateway) included.
    const status = await kcluster(['status', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.deepEqual(status.envelope.result.addons, [{name: 'storage', state: 'enabled'}, {name: 'ingress', state: 'enabled'}])
  })

  test('ingress: a Gateway and an HTTPRoute route a Host header to a Service, and so does the shared Gateway', async () => {
    await kubectl(['apply', '-f', '-'], gatewayAndRoutes())
    await kubectl(['wait', '--for=condition=Programmed', '--timeout=60s', 'gateway/test'])
    assert.match(await servedBy(80, 'gw.localtest.me'), /^served-by web-/)
    assert.match(await servedBy(80, 'shared.localtest.me'), /^served-by web-/)
    const accepted = await kubectl(['get', 'httproute', 'web', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}'])
    assert.equal(accepted, 'True')
  })

  test('ingress: disable removes Traefik, its classes, the Gateway API CRDs and the host ports, and nothing else', async () => {
    const disabled = await kcluster(['addons', 'disable', 'ingress', '--name', NAME])
    assert.equal(disabled.exitCode, 0, JSON.stringify(disabled.envelope.error))
    assert.equal(disabled.envelope.result.addons[0].outcome, 'disabled')
    assert.equal(await kubectl(['get', 'namespace', 'kcluster-ingress', '--ignore-not-found', '-o', 'name']), '')
    assert.equal(await kubectl(['get', 'ingressclass', 'traefik', '--ignore-not-found', '-o', 'name']), '')
    assert.equal(await kubectl(['get', 'crd', '-o', 'name']).then((crds) => crds.split('\n').filter((c) => c.includes('gateway.networking.k8s.io')).length), 0)
    assert.deepEqual(await addonContainers('ingress'), [])
    assert.equal(await tryConnect(80), 'ECONNREFUSED')
    // The user's own objects stay (the Ingress, which no controller serves now).
    assert.equal(await kubectl(['get', 'ingress', 'web', '-o', 'name']), 'ingress.networking.k8s.io/web')
    const listed = await kcluster(['addons', 'list', '--name', NAME])
    assert.equal(listed.envelope.result.addons.find((a: any) => a.name === 'ingress').state, 'disabled')
    const status = await kcluster(['status', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.deepEqual(status.envelope.result.addons, [{name: 'storage', state: 'enabled'}])
  })

  test('dashboard: enable prints its URL; headless Chromium loads the page and it lists every namespace; disable removes it', async () => {
    const hostPort = await freePort()
    const enabled = await kcluster(['addons', 'enable', 'dashboard', '--name', NAME, '--option', `hostPort=${hostPort}`], {}, true)
    assert.equal(enabled.exitCode, 0, JSON.stringify(enabled.envelope.error) + enabled.stderr.slice(-3000))
    const [entry] = enabled.envelope.result.addons
    const url = `http://127.0.0.1:${hostPort}/`
    assert.ok(entry.message.includes(url), entry.message)
    process.stderr.write(`dashboard enabled in ${(entry.durationMs / 1000).toFixed(1)}s (image built: ${entry.images[0].built}, loaded: ${entry.images[0].loaded})\n`)

    const namespaces = (await kubectl(['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ')
    assert.ok(namespaces.includes('kcluster-dashboard'))
    const dom = await eventually('the namespaces page in Chromium', 90_000, async () => {
      const page = await renderedPage(`${url}clusters/local/namespaces`)
      return namespaces.every((ns) => page.includes(`>${ns}<`)) && page
    })
    assert.match(dom, /<title>[^<]*namespaces/i)

    const disabled = await kcluster(['addons', 'disable', 'dashboard', '--name', NAME])
    assert.equal(disabled.exitCode, 0, JSON.stringify(disabled.envelope.error))
    assert.equal(await kubectl(['get', 'namespace', 'kcluster-dashboard', '--ignore-not-found', '-o', 'name']), '')
    assert.equal(await kubectl(['get', 'clusterrole', 'kcluster-dashboard-view', '--ignore-not-found', '-o', 'name']), '')
    assert.equal(await tryConnect(hostPort), 'ECONNREFUSED')
  })
})

/** The DOM of a page after Chromium loaded and ran it. */
async function renderedPage(url: string): Promise<string> {
  const result = await execa('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--virtual-time-budget=5000', '--dump-dom', url], {reject: false, timeout: 60_000})
  if (result.exitCode !== 0) throw new Error(`chromium exited ${result.exitCode}: ${result.stderr.slice(-2000)}`)
  return result.stdout
}

function ingressFor(host: string): string {
  return `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: ${host}
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`
}

function gatewayAndRoutes(): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: test}
spec:
  gatewayClassName: traefik
  listeners:
  - {name: http, protocol: HTTP, port: 80, hostname: gw.localtest.me}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: test}]
  rules:
  - backendRefs: [{name: web, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shared}
spec:
  parentRefs: [{name: default, namespace: kcluster-ingress}]
  hostnames: [shared.localtest.me]
  rules:
  - backendRefs: [{name: web, port: 80}]
`
}
