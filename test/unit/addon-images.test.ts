// The ingress and dashboard addons' images and manifests, without Docker:
// which recipes make each image, what their tags follow, and that every
// manifest renders to Kubernetes objects that use only loaded images.
import assert from 'node:assert/strict'
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {imageReference, nodeImageRecipe} from '../../src/images/index.js'
import {dependencyOrder} from '../../src/images/ensure-image.js'
import {dashboardImageRecipe, KUBE_WEB_VIEW_VERSION} from '../../src/images/addons/dashboard.js'
import {GATEWAY_API_CRDS_PATH, TRAEFIK_VERSION, traefikImageRecipe} from '../../src/images/addons/ingress.js'
import {CATALOG, renderObjects, resolveOptions, templateKinds, templateValues, type Addon, type AddonValues} from '../../src/addons/index.js'
import {DASHBOARD_NODE_PORT, dashboard, dashboardUrl} from '../../src/addons/dashboard.js'
import {ingress} from '../../src/addons/ingress.js'
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

describe('ingress and dashboard addons', () => {
  const values = (options: Record<string, string | number | boolean>): AddonValues => ({
    cluster: 'dev',
    network: {name: 'kcluster.dev', subnet: '172.30.1.0/24', gateway: '172.30.1.1'},
    nodes: [{name: 'dev-control-plane', role: 'control-plane', ipv4: '172.30.1.2'}],
    controlPlane: {name: 'dev-control-plane', ipv4: '172.30.1.2'},
    apiServer: {host: '172.30.1.2', port: 6443},
    options,
  })

  function render(addon: Addon, given: Record<string, string | number | boolean>, images: Record<string, string>): any[] {
    const {options, problems} = resolveOptions(addon, given, 'options')
    assert.deepEqual(problems, [])
    return renderObjects(addon, templateValues(addon, values(options), images))
  }

  function podSpecs(objects: any[]): any[] {
    return objects.filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind)).map((o) => o.spec.template.spec)
  }

  test('both are in the catalog', () => {
    assert.ok(CATALOG.includes(ingress) && CATALOG.includes(dashboard))
  })

  test('ingress: Traefik on the control planes\' ports 80 and 443, the default IngressClass, a GatewayClass and a shared Gateway, all labelled as the addon\'s', () => {
    const objects = render(ingress, {}, {TRAEFIK_IMAGE: 'kcluster/traefik:v3-abc'})
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), [
      'Namespace/kcluster-ingress', 'ServiceAccount/traefik', 'ClusterRole/kcluster-ingress-traefik', 'ClusterRoleBinding/kcluster-ingress-traefik',
      'IngressClass/traefik', 'GatewayClass/traefik', 'Gateway/default', 'DaemonSet/traefik',
    ])
    assert.ok(objects.every((o) => o.metadata.labels['kcluster.dev/addon'] === 'ingress'))
    const [pod] = podSpecs(objects)
    const container = pod.containers[0]
    assert.deepEqual([container.image, container.imagePullPolicy], ['kcluster/traefik:v3-abc', 'Never'])
    assert.deepEqual(container.ports.filter((p: any) => p.hostPort).map((p: any) => [p.containerPort, p.hostPort]), [[80, 80], [443, 443]])
    assert.ok(container.args.includes('--providers.kubernetesGateway.statusAddress.ip=127.0.0.1'))
    assert.ok(container.args.includes('--global.sendAnonymousUsage=false'), 'Traefik calls no one')
    assert.equal(pod.securityContext.runAsNonRoot, true)
    assert.equal(objects.find((o) => o.kind === 'IngressClass').metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true')
  })

  test('ingress: the host ports follow the options; the Gateway API CRDs come from the image and count among its kinds', () => {
    const {options} = resolveOptions(ingress, {httpPort: 8080, httpsPort: 8443, listenAddress: '0.0.0.0'}, 'options')
    assert.deepEqual(ingress.hostPorts!(options).map((p) => [p.listenAddress, p.hostPort, p.forwardTo]), [['0.0.0.0', 8080, 80], ['0.0.0.0', 8443, 443]])
    // Published on every address, reached from the host at 127.0.0.1.
    assert.ok(render(ingress, {listenAddress: '0.0.0.0'}, {TRAEFIK_IMAGE: 'x'}).find((o) => o.kind === 'DaemonSet').spec.template.spec.containers[0].args.includes('--providers.kubernetesIngress.ingressEndpoint.ip=127.0.0.1'))
    assert.deepEqual(ingress.imageManifests, [{image: 'TRAEFIK_IMAGE', path: GATEWAY_API_CRDS_PATH, kinds: ['customresourcedefinition.apiextensions.k8s.io']}])
    assert.ok(templateKinds(ingress).includes('customresourcedefinition.apiextensions.k8s.io'))
    assert.ok(templateKinds(ingress).includes('gateway.gateway.networking.k8s.io'))
    const bad = resolveOptions(ingress, {httpPort: 70000, listenAddress: 'localhost'}, 'addons[0].options')
    assert.deepEqual(bad.problems.map((p) => p.field), ['addons[0].options.httpPort', 'addons[0].options.listenAddress'])
  })

  test('dashboard: Kubernetes Web View on a host port of the control plane, reading through a ServiceAccount that may only get and list', () => {
    const objects = render(dashboard, {}, {DASHBOARD_IMAGE: 'kcluster/kube-web-view:21-abc'})
    const [pod] = podSpecs(objects)
    assert.deepEqual(pod.containers[0].ports, [{name: 'http', containerPort: 8080, hostPort: DASHBOARD_NODE_PORT, protocol: 'TCP'}])
    assert.equal(pod.containers[0].imagePullPolicy, 'Never')
    const role = objects.find((o) => o.kind === 'ClusterRole')
    assert.deepEqual(role.rules.flatMap((r: any) => r.verbs), ['get', 'list'])
    const {options} = resolveOptions(dashboard, {hostPort: 18080}, 'options')
    assert.deepEqual(dashboard.hostPorts!(options).map((p) => [p.listenAddress, p.hostPort, p.forwardTo]), [['127.0.0.1', 18080, DASHBOARD_NODE_PORT]])
    assert.equal(dashboardUrl(options), 'http://127.0.0.1:18080/')
  })
})
