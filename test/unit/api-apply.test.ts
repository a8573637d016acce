// A create's objects applied through the API: which path each goes to, in which order, and when kubectl must.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import type {KubeObject} from '../../src/addons/index.js'
import {applyPath, applyThroughApi, type ApplyPatch} from '../../src/lifecycle/api-apply.js'

const object = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({apiVersion, kind, metadata: {name, ...(namespace ? {namespace} : {})}})

const storage = [
  object('v1', 'Namespace', 'local-path-storage'),
  object('apps/v1', 'Deployment', 'local-path-provisioner', 'local-path-storage'),
  object('v1', 'ServiceAccount', 'local-path-provisioner', 'local-path-storage'),
  object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'local-path-provisioner'),
  object('storage.k8s.io/v1', 'StorageClass', 'standard'),
]

/** An API server that answers each path with `status`, recording what was sent and in which round. */
function fakeApply(status: (path: string) => number | undefined): ApplyPatch & {sent: string[]} {
  const sent: string[] = []
  const patch = async (path: string, sentObject: KubeObject) => {
    sent.push(path)
    const code = status(path)
    return code === undefined ? undefined : {statusCode: code, body: code < 300 ? JSON.stringify(sentObject) : JSON.stringify({kind: 'Status', message: `${sentObject.metadata.name} is refused here`})}
  }
  return Object.assign(patch, {sent})
}

describe('server-side apply through the API', () => {
  test('each object at its own path: cluster-scoped ones outside any namespace, the rest in theirs (default when unsaid)', () => {
    assert.equal(applyPath(storage[0]!), '/api/v1/namespaces/local-path-storage')
    assert.equal(applyPath(storage[1]!), '/apis/apps/v1/namespaces/local-path-storage/deployments/local-path-provisioner')
    assert.equal(applyPath(storage[3]!), '/apis/rbac.authorization.k8s.io/v1/clusterroles/local-path-provisioner')
    assert.equal(applyPath(object('v1', 'ConfigMap', 'x')), '/api/v1/namespaces/default/configmaps/x')
    assert.equal(applyPath(object('networking.k8s.io/v1', 'IngressClass', 'traefik')), '/apis/networking.k8s.io/v1/ingressclasses/traefik')
    assert.equal(applyPath(object('metallb.io/v1beta1', 'IPAddressPool', 'pool', 'metallb-system')), undefined)
  })

  test('namespaces first, the workloads last', async () => {
    const patch = fakeApply(() => 200)
    assert.equal(await applyThroughApi(storage, patch), true)
    assert.equal(patch.sent[0], '/api/v1/namespaces/local-path-storage')
    assert.equal(patch.sent.at(-1), '/apis/apps/v1/namespaces/local-path-storage/deployments/local-path-provisioner')
    assert.equal(patch.sent.length, storage.length)
  })

  test('a kind not known here sends nothing; no answer stops at once; both leave the apply to kubectl', async () => {
    const patch = fakeApply(() => 201)
    assert.equal(await applyThroughApi([...storage, object('metallb.io/v1beta1', 'IPAddressPool', 'pool', 'metallb-system')], patch), false)
    assert.deepEqual(patch.sent, [])
    const unreachable = fakeApply(() => undefined)
    assert.equal(await applyThroughApi(storage, unreachable), false)
    assert.deepEqual(unreachable.sent, ['/api/v1/namespaces/local-path-storage'])
  })

  test('a refusal, forbidden too, leaves the apply to kubectl, which tells it; the groups after it are not sent', async () => {
    const invalid = fakeApply((path) => (path.includes('storageclasses') ? 422 : 200))
    assert.equal(await applyThroughApi(storage, invalid), false)
    const forbidden = fakeApply((path) => (path === '/api/v1/namespaces/local-path-storage' ? 403 : 200))
    assert.equal(await applyThroughApi(storage, forbidden), false)
    assert.deepEqual(forbidden.sent, ['/api/v1/namespaces/local-path-storage'])
  })
})
