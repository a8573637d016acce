// The ingress and dashboard addons' images and manifests, without Docker:
// which recipes make each image, what their tags follow, and that every
// manifest renders to Kubernetes objects that use only loaded images.
import assert from 'node:assert/strict'
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import yaml from 'js-yaml'
import {fillPlaceholders, imageReference, nodeImageRecipe} from '../../src/images/index.js'
import {dependencyOrder} from '../../src/images/ensure-image.js'
import {dashboardImageRecipe, KUBE_WEB_VIEW_VERSION} from '../../src/images/addons/dashboard.js'
import {TRAEFIK_VERSION, traefikImageRecipe} from '../../src/images/addons/ingress.js'
import {packageRoot} from '../../src/images/paths.js'

const mirrors = {mirror: 'http://mirror.example.org/debian', security: 'http://mirror.example.org/debian-security'}

function copyOfPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcluster-addon-images-'))
  for (const sub of ['images', 'templates']) cpSync(join(packageRoot(), sub), join(dir, sub), {recursive: true})
  writeFileSync(join(dir, 'package.json'), '{}')
  return dir
}

function references(recipe: ReturnType<typeof traefikImageRecipe>): Record<string, string> {
  return Object.fromEntries(dependencyOrder(recipe).map((r) => [r.id, imageReference(r)]))
}

describe('addon image recipes', () => {
  test('Traefik is compiled on the node image\'s own builder, so the builder image and the Go caches are shared', () => {
    const root = copyOfPackage()
    const traefik = references(traefikImageRecipe({root, mirrors}))
    assert.deepEqual(Object.keys(traefik), ['builder', 'traefik-binaries', 'traefik'])
    const node = Object.fromEntries(dependencyOrder(nodeImageRecipe('v1.34.4', {root, mirrors})).map((r) => [r.id, imageReference(r)]))
    assert.equal(traefik.builder, node.builder)
    assert.match(traefik.traefik!, new RegExp(`^kcluster/traefik:${TRAEFIK_VERSION.replace(/\./g, '\\.')}-[0-9a-f]{12}$`))
  })

  test('the dashboard is a Python base, the packages pip installed, and the image made of both', () => {
    const dashboard = references(dashboardImageRecipe({root: copyOfPackage(), mirrors}))
    assert.deepEqual(Object.keys(dashboard), ['python-base', 'kube-web-view-packages', 'kube-web-view'])
    assert.match(dashboard['kube-web-view']!, new RegExp(`^kcluster/kube-web-view:${KUBE_WEB_VIEW_VERSION}-[0-9a-f]{12}$`))
  })

  test('a changed pin rebuilds the packages and the image, not the base', () => {
    const root = copyOfPackage()
    const before = references(dashboardImageRecipe({root, mirrors}))
    const file = join(root, 'images/addons/dashboard/pip/requirements.txt')
    writeFileSync(file, readFileSync(file, 'utf8').replace('PyYAML==6.0.4', 'PyYAML==6.0.3'))
    const after = references(dashboardImageRecipe({root, mirrors}))
    assert.deepEqual(Object.keys(before).filter((id) => before[id] !== after[id]), ['kube-web-view-packages', 'kube-web-view'])
  })

  test('every requirement of the dashboard is pinned to one version (pip runs with --no-deps)', () => {
    const lines = readFileSync(join(packageRoot(), 'images/addons/dashboard/pip/requirements.txt'), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean)
    assert.ok(lines.length > 10)
    for (const line of lines) assert.match(line, /^[A-Za-z0-9_.-]+==[0-9][\w.]*$/, line)
    assert.ok(lines.includes(`kube-web-view==${KUBE_WEB_VIEW_VERSION}`))
  })
})

describe('addon manifests', () => {
  function render(file: string, values: Record<string, string>): any[] {
    const text = fillPlaceholders(readFileSync(join(packageRoot(), 'templates/addons', file), 'utf8'), values, file)
    return (yaml.loadAll(text) as any[]).filter(Boolean)
  }

  function podSpecs(objects: any[]): any[] {
    return objects.filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind)).map((o) => o.spec.template.spec)
  }

  test('ingress: Traefik on the control planes\' ports 80 and 443, the default IngressClass, a GatewayClass and a shared Gateway', () => {
    const objects = render('ingress/traefik.yaml', {TRAEFIK_IMAGE: 'kcluster/traefik:v3-abc', INGRESS_ADDRESS: '127.0.0.1'})
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), [
      'Namespace/kcluster-ingress', 'ServiceAccount/traefik', 'ClusterRole/kcluster-ingress-traefik', 'ClusterRoleBinding/kcluster-ingress-traefik',
      'IngressClass/traefik', 'GatewayClass/traefik', 'Gateway/default', 'DaemonSet/traefik',
    ])
    const [pod] = podSpecs(objects)
    const container = pod.containers[0]
    assert.deepEqual([container.image, container.imagePullPolicy], ['kcluster/traefik:v3-abc', 'Never'])
    assert.deepEqual(container.ports.filter((p: any) => p.hostPort).map((p: any) => [p.containerPort, p.hostPort]), [[80, 80], [443, 443]])
    assert.ok(container.args.includes('--providers.kubernetesGateway.statusAddress.ip=127.0.0.1'))
    assert.ok(container.args.includes('--global.sendAnonymousUsage=false'), 'Traefik calls no one')
    assert.equal(pod.securityContext.runAsNonRoot, true)
    assert.equal(objects.find((o) => o.kind === 'IngressClass').metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true')
  })

  test('dashboard: Kubernetes Web View on a host port of the control plane, reading through a ServiceAccount that may only get and list', () => {
    const objects = render('dashboard/kube-web-view.yaml', {DASHBOARD_IMAGE: 'kcluster/kube-web-view:21-abc', DASHBOARD_NODE_PORT: '9090'})
    const [pod] = podSpecs(objects)
    assert.deepEqual(pod.containers[0].ports, [{name: 'http', containerPort: 8080, hostPort: 9090, protocol: 'TCP'}])
    assert.equal(pod.containers[0].imagePullPolicy, 'Never')
    const role = objects.find((o) => o.kind === 'ClusterRole')
    assert.deepEqual(role.rules.flatMap((r: any) => r.verbs), ['get', 'list'])
  })
})
