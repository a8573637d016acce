// status names the addons installed in the cluster, read through the API
// server as `addons list` reads them through kubectl: a fake API answers here.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {ADDON_LABEL, CATALOG, templateResources} from '../../src/addons/index.js'
import {addonStatuses, apiFirstKubectl, catalogResources, coveringResources, readOnlyKubectl, type ApiGet} from '../../src/lifecycle/addon-status.js'
import {collectionPath, pluralOf} from '../../src/lifecycle/api-client.js'
import {pacedKubectl} from '../../src/lifecycle/addons.js'
import {summarize} from '../../src/lifecycle/cluster-status.js'
import type {ClusterInventory, Provider} from '../../src/provider/types.js'

const inventory: ClusterInventory = {
  containers: [{containerName: 'kcluster.dev.control-plane', kind: 'node', name: 'dev-control-plane', role: 'control-plane', state: 'running', ipv4: '172.30.0.2'}],
  removedNodeContainers: [],
  claimed: false,
  server: 'https://127.0.0.1:40000',
}

const labelled = (addon: string, kind: string, name: string) => ({kind, metadata: {name, labels: {[ADDON_LABEL]: addon}}})
const ready = {
  deployment: (name: string) => ({kind: 'Deployment', metadata: {name, generation: 1}, spec: {replicas: 1}, status: {observedGeneration: 1, availableReplicas: 1, updatedReplicas: 1}}),
  daemonset: (name: string, available: number) => ({kind: 'DaemonSet', metadata: {name}, status: {desiredNumberScheduled: 1, numberAvailable: available, updatedNumberScheduled: 1}}),
  condition: (kind: string, name: string, type: string) => ({kind, metadata: {name}, status: {conditions: [{type, status: 'True'}]}}),
}

/** An API server holding what its map says, by path; every other path is 404. Records what was asked. */
function fakeApi(objects: Record<string, unknown>): ApiGet & {asked: string[]} {
  const asked: string[] = []
  const get = async (path: string) => {
    asked.push(path)
    const found = objects[path]
    return found === undefined ? {statusCode: 404, body: '{"kind":"Status","code":404}'} : {statusCode: 200, body: JSON.stringify(found)}
  }
  return Object.assign(get, {asked})
}

function provider(hostContainers: Record<string, string[]>): Provider {
  return {
    clusterNetwork: async () => ({name: 'kcluster-dev', subnet: '172.30.0.0/24', addressesInUse: []}),
    hostContainerNetworks: async (name: string) => hostContainers[name],
  } as unknown as Provider
}

describe('status: addons from the API server', () => {
  test('plural of a kind as kubectl guesses it', () => {
    const cases: [string, string][] = [
      ['Deployment', 'deployments'],
      ['Ingress', 'ingresses'],
      ['IngressClass', 'ingressclasses'],
      ['StorageClass', 'storageclasses'],
      ['NetworkPolicy', 'networkpolicies'],
      ['Gateway', 'gateways'],
      ['APIService', 'apiservices'],
      ['ConfigMap', 'configmaps'],
    ]
    for (const [kind, plural] of cases) assert.equal(pluralOf(kind), plural, kind)
  })

  test('every resource the catalog makes has a collection path; core and grouped, namespaced or not', () => {
    const resources = catalogResources(CATALOG)
    assert.equal(collectionPath(resources.get('deployment')!, 'kube-system'), '/apis/apps/v1/namespaces/kube-system/deployments')
    assert.equal(collectionPath(resources.get('configmap')!), '/api/v1/configmaps')
    assert.equal(collectionPath(resources.get('gatewayclass.gateway.networking.k8s.io')!), '/apis/gateway.networking.k8s.io/v1/gatewayclasses')
    assert.equal(collectionPath(resources.get('apiservice')!), '/apis/apiregistration.k8s.io/v1/apiservices')
    // Every readiness check of the catalog names a resource status can ask for.
    for (const addon of CATALOG) for (const check of addon.readiness) if (check.kind !== 'probe') assert.ok(resources.has(check.resource.split('/')[0]!), `${addon.name}: ${check.resource}`)
  })

  test('a request or two finds every installed addon: each addon makes an object of one of the listed resources', () => {
    const covering = coveringResources(CATALOG)
    assert.deepEqual(covering.map((r) => collectionPath(r)), ['/api/v1/serviceaccounts', '/api/v1/configmaps'])
    for (const addon of CATALOG) assert.ok(templateResources(addon).some((r) => covering.some((c) => c.apiVersion === r.apiVersion && c.kind === r.kind)), addon.name)
  })

  test('the read-only kubectl answers get by name, -n and -o json|name; a write or a list is refused', async () => {
    const api = fakeApi({
      '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server': ready.deployment('metrics-server'),
      '/api/v1/namespaces/kube-public/configmaps/local-registry-hosting': {kind: 'ConfigMap', metadata: {name: 'local-registry-hosting'}},
    })
    const kubectl = readOnlyKubectl(catalogResources(CATALOG), api)
    assert.equal(JSON.parse(await kubectl(['get', 'deployment/metrics-server', '-n', 'kube-system', '-o', 'json'])).metadata.name, 'metrics-server')
    assert.equal((await kubectl(['get', 'configmap', '-n', 'kube-public', 'local-registry-hosting', '-o', 'name'])).trim(), 'configmap/local-registry-hosting')
    await assert.rejects(kubectl(['get', 'gatewayclass/traefik', '-o', 'json']), /NotFound.*gatewayclasses "traefik" not found/)
    await assert.rejects(kubectl(['annotate', '--overwrite', 'apiservice/v1beta1.metrics.k8s.io', 'a=b']), /status reads only/)
    await assert.rejects(kubectl(['get', 'pods', '-A', '-o', 'json']), /status reads only/)
    assert.equal(api.asked.length, 3)
  })

  test("create's waits: an object's get goes to the API; what the host gets no answer to, and anything else, to kubectl", async () => {
    const api = fakeApi({'/apis/apps/v1/namespaces/local-path-storage/deployments/local-path-provisioner': ready.deployment('local-path-provisioner')})
    const ranKubectl: string[][] = []
    const inNode = async (args: string[]) => {
      ranKubectl.push(args)
      return 'from kubectl'
    }
    const kubectl = apiFirstKubectl(catalogResources(CATALOG), api, inNode)
    assert.equal(JSON.parse(await kubectl(['get', 'deployment/local-path-provisioner', '-n', 'local-path-storage', '-o', 'json'])).metadata.name, 'local-path-provisioner')
    await assert.rejects(kubectl(['get', 'deployment/metrics-server', '-n', 'kube-system', '-o', 'json']), /NotFound.*deployments "metrics-server" not found/)
    assert.equal(await kubectl(['annotate', '--overwrite', 'apiservice/v1beta1.metrics.k8s.io', 'a=b']), 'from kubectl')
    const unreachable = apiFirstKubectl(catalogResources(CATALOG), async () => undefined, inNode)
    assert.equal(await unreachable(['get', 'deployment/local-path-provisioner', '-n', 'local-path-storage', '-o', 'json']), 'from kubectl')
    assert.deepEqual(ranKubectl.map((args) => args[0]), ['annotate', 'get'])
    assert.equal(api.asked.length, 2)
  })

  test("create's waits poll at the API's pace, and at kubectl's after a poll that ran kubectl in the node", async () => {
    const api = fakeApi({'/apis/apps/v1/namespaces/local-path-storage/deployments/local-path-provisioner': ready.deployment('local-path-provisioner')})
    let answering = true
    const {kubectl, pace} = pacedKubectl(async () => 'from kubectl', (inNode) => apiFirstKubectl(catalogResources(CATALOG), (path) => (answering ? api(path) : Promise.resolve(undefined)), inNode))
    const rollout = ['get', 'deployment/local-path-provisioner', '-n', 'local-path-storage', '-o', 'json']
    await kubectl(rollout)
    assert.equal(pace(), 200)
    answering = false
    assert.equal(await kubectl(rollout), 'from kubectl')
    assert.equal(pace(), 500)
    // Each poll counts alone: the API answering again brings its pace back.
    answering = true
    await kubectl(rollout)
    assert.equal(pace(), 200)
    await kubectl(rollout)
    await kubectl(['annotate', '--overwrite', 'apiservice/v1beta1.metrics.k8s.io', 'a=b'])
    assert.equal(pace(), 500)
  })

  test('installed addons only, each enabled or not-ready by the checks of addons list; every list and check asked at once', async () => {
    const api = fakeApi({
      '/api/v1/configmaps?labelSelector=kcluster.dev%2Faddon': {items: [labelled('storage', 'ConfigMap', 'local-path-config'), labelled('registry', 'ConfigMap', 'local-registry-hosting')]},
      '/api/v1/serviceaccounts?labelSelector=kcluster.dev%2Faddon': {items: [labelled('storage', 'ServiceAccount', 'local-path-provisioner'), labelled('ingress', 'ServiceAccount', 'traefik')]},
      '/apis/apps/v1/namespaces/local-path-storage/deployments/local-path-provisioner': ready.deployment('local-path-provisioner'),
      '/api/v1/namespaces/kube-public/configmaps/local-registry-hosting': {kind: 'ConfigMap', metadata: {name: 'local-registry-hosting'}},
      // Traefik's pod is not available yet; its classes are.
      '/apis/apps/v1/namespaces/kcluster-ingress/daemonsets/traefik': ready.daemonset('traefik', 0),
      '/apis/gateway.networking.k8s.io/v1/gatewayclasses/traefik': ready.condition('GatewayClass', 'traefik', 'Accepted'),
      '/apis/gateway.networking.k8s.io/v1/namespaces/kcluster-ingress/gateways/default': ready.condition('Gateway', 'default', 'Programmed'),
    })
    const statuses = await addonStatuses({name: 'dev', server: inventory.server!, access: {} as never, inventory}, {provider: provider({'kcluster-registry': ['kcluster-dev']}), timeoutMs: 1000, get: api})
    assert.deepEqual(statuses, [
      {name: 'storage', state: 'enabled'},
      {name: 'ingress', state: 'not-ready'},
      {name: 'registry', state: 'enabled'},
    ])
    // Two lists, then the checks of the three installed addons (none of metrics-server's or the dashboard's); nothing written.
    assert.equal(api.asked.filter((path) => path.includes('labelSelector')).length, 2)
    assert.ok(!api.asked.some((path) => /metrics|kube-web-view/.test(path)), api.asked.join('\n'))
    assert.equal(api.asked.length, 2 + 1 + 3 + 1)
  })

  test('a shared host container that is not on the cluster network makes its addon not-ready, as in addons list', async () => {
    const api = fakeApi({
      '/api/v1/configmaps?labelSelector=kcluster.dev%2Faddon': {items: [labelled('registry', 'ConfigMap', 'local-registry-hosting')]},
      '/api/v1/namespaces/kube-public/configmaps/local-registry-hosting': {kind: 'ConfigMap', metadata: {name: 'local-registry-hosting'}},
    })
    const statuses = await addonStatuses({name: 'dev', server: inventory.server!, access: {} as never, inventory}, {provider: provider({'kcluster-registry': ['kcluster-other']}), timeoutMs: 1000, get: api})
    assert.deepEqual(statuses, [{name: 'registry', state: 'not-ready'}])
  })

  test('summarize carries them into the status; none by default', () => {
    const base = {name: 'dev', inventory, readyz: {ready: true, detail: 'ok'}, conditions: new Map([['dev-control-plane', {ready: true}]]), kubelets: new Map([['kcluster.dev.control-plane', 'healthy' as const]]), kubeconfig: {path: '/k', context: 'kcluster-dev', present: true, current: true}}
    assert.deepEqual(summarize(base).addons, [])
    const status = summarize({...base, addons: [{name: 'storage', state: 'enabled'}]})
    assert.deepEqual(status.addons, [{name: 'storage', state: 'enabled'}])
    assert.equal(status.health, 'healthy')
  })
})
