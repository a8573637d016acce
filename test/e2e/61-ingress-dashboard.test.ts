// The ingress and dashboard addons end to end on a real cluster: Traefik built
// from its Go module routes an Ingress and a Gateway API HTTPRoute from the
// host's 127.0.0.1:80 (and :443) to an httpd Service; Kubernetes Web View,
// loaded in headless Chromium, lists the cluster's namespaces.
import assert from 'node:assert/strict'
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {execa} from 'execa'
import {DockerProvider} from '../../src/index.js'
import {ensureImage, fillPlaceholders} from '../../src/images/index.js'
import {dashboardImageRecipe} from '../../src/images/addons/dashboard.js'
import {GATEWAY_API_CRDS_PATH, traefikImageRecipe} from '../../src/images/addons/ingress.js'
import {ROOT, buildBusyboxImage, eventually, freePort, httpdDeployment, kcluster, kubectlFromImage, kubectlRunner, tempDir} from './helpers.js'

const NAME = 'addons2-e2e'
const TEST_IMAGE = 'kcluster-e2e/busybox:1'
const DASHBOARD_NODE_PORT = 9090

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

describe('ingress and dashboard addons', {timeout: 60 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-addons2-')
  const kubeconfig = join(dir, 'config')
  const provider = new DockerProvider()
  let kubectl: (args: string[], input?: string) => Promise<string>

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    const out = await kcluster(['create', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    kubectl = kubectlRunner(await kubectlFromImage(out.envelope.result.image), kubeconfig, out.envelope.result.context)
    await buildBusyboxImage(out.envelope.result.image, TEST_IMAGE)
    const loaded = await kcluster(['load', 'image', TEST_IMAGE, '--name', NAME])
    assert.equal(loaded.exitCode, 0, JSON.stringify(loaded.envelope.error))
    await kubectl(['apply', '-f', '-'], webService())
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  test('ingress: an Ingress routes a Host header on 127.0.0.1:80 and :443 to a Service', async () => {
    const image = (await ensureImage(traefikImageRecipe(), {builder: provider.images, report: (line) => process.stderr.write(`${line}\n`)})).reference
    const loaded = await kcluster(['load', 'image', image, '--name', NAME])
    assert.equal(loaded.exitCode, 0, JSON.stringify(loaded.envelope.error))
    await kubectl(['apply', '--server-side', '-f', '-'], (await provider.images.readFile(image, GATEWAY_API_CRDS_PATH)).toString('utf8'))
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/gateways.gateway.networking.k8s.io', 'crd/httproutes.gateway.networking.k8s.io'])
    await kubectl(['apply', '-f', '-'], template('ingress/traefik.yaml', {TRAEFIK_IMAGE: image, INGRESS_ADDRESS: '127.0.0.1'}))
    await kubectl(['rollout', 'status', '-n', 'kcluster-ingress', 'daemonset/traefik', '--timeout=180s'])
    for (const port of [80, 443]) {
      const added = await kcluster(['port', 'add', `${port}:${port}`, '--name', NAME])
      assert.equal(added.exitCode, 0, JSON.stringify(added.envelope.error))
    }

    await kubectl(['apply', '-f', '-'], ingress())
    assert.match(await servedBy(80, 'web.localtest.me'), /^served-by web-/)
    assert.match(await servedBy(443, 'web.localtest.me', true), /^served-by web-/)
    assert.equal((await get(80, 'nobody.localtest.me')).status, 404)
    const address = await eventually('the Ingress status address', 30_000, async () => (await kubectl(['get', 'ingress', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])) || undefined)
    assert.equal(address, '127.0.0.1')
  })

  test('ingress: a Gateway and an HTTPRoute route a Host header to a Service', async () => {
    await kubectl(['apply', '-f', '-'], gatewayAndRoute())
    await kubectl(['wait', '--for=condition=Programmed', '--timeout=60s', 'gateway/test'])
    assert.match(await servedBy(80, 'gw.localtest.me'), /^served-by web-/)
    // The addon's own Gateway takes routes from every namespace.
    await kubectl(['wait', '--for=condition=Programmed', '--timeout=60s', '-n', 'kcluster-ingress', 'gateway/default'])
    assert.match(await servedBy(80, 'shared.localtest.me'), /^served-by web-/)
    const accepted = await kubectl(['get', 'httproute', 'web', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}'])
    assert.equal(accepted, 'True')
  })

  test('dashboard: headless Chromium loads the page and it lists every namespace', async () => {
    const image = (await ensureImage(dashboardImageRecipe(), {builder: provider.images, report: (line) => process.stderr.write(`${line}\n`)})).reference
    const loaded = await kcluster(['load', 'image', image, '--name', NAME])
    assert.equal(loaded.exitCode, 0, JSON.stringify(loaded.envelope.error))
    await kubectl(['apply', '-f', '-'], template('dashboard/kube-web-view.yaml', {DASHBOARD_IMAGE: image, DASHBOARD_NODE_PORT: String(DASHBOARD_NODE_PORT)}))
    await kubectl(['rollout', 'status', '-n', 'kcluster-dashboard', 'deployment/kube-web-view', '--timeout=180s'])
    const hostPort = await freePort()
    const added = await kcluster(['port', 'add', `${hostPort}:${DASHBOARD_NODE_PORT}`, '--name', NAME])
    assert.equal(added.exitCode, 0, JSON.stringify(added.envelope.error))

    const namespaces = (await kubectl(['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ')
    assert.ok(namespaces.includes('kcluster-dashboard'))
    const dom = await eventually('the namespaces page in Chromium', 90_000, async () => {
      const page = await renderedPage(`http://127.0.0.1:${hostPort}/clusters/local/namespaces`)
      return namespaces.every((ns) => page.includes(`>${ns}<`)) && page
    })
    assert.match(dom, /<title>[^<]*Namespaces/i)
  })
})

/** The DOM of a page after Chromium loaded and ran it. */
async function renderedPage(url: string): Promise<string> {
  const result = await execa('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--virtual-time-budget=5000', '--dump-dom', url], {reject: false, timeout: 60_000})
  if (result.exitCode !== 0) throw new Error(`chromium exited ${result.exitCode}: ${result.stderr.slice(-2000)}`)
  return result.stdout
}

function template(file: string, values: Record<string, string>): string {
  return fillPlaceholders(readFileSync(join(ROOT, 'templates/addons', file), 'utf8'), values, file)
}

function webService(): string {
  return `${httpdDeployment(TEST_IMAGE, 1)}---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`
}

function ingress(): string {
  return `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: web.localtest.me
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`
}

function gatewayAndRoute(): string {
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
