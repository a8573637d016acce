// Server-side apply of a create's own objects (the pod network, the default
// addons) from this host through the API, as `kubectl apply --server-side`
// would make them: same field manager, the server's strict field validation.
// A kubectl in the node costs about a quarter of a CPU-second per apply (its
// start, discovery and schema questions), taken while the node starts its pods.
import type {KubeObject} from '../addons/index.js'
import {collectionPath, pluralOf, type ApiResponse} from './api-client.js'

/** The group/version and kind of every object a create applies that lives outside any namespace. */
const CLUSTER_SCOPED = new Set([
  'v1 Namespace',
  'rbac.authorization.k8s.io/v1 ClusterRole',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
  'storage.k8s.io/v1 StorageClass',
  'networking.k8s.io/v1 IngressClass',
  'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration',
  'apiregistration.k8s.io/v1 APIService',
])

/** The namespaced ones; an object of any other kind (a custom resource) is left to kubectl. */
const NAMESPACED = new Set([
  'v1 ServiceAccount',
  'v1 ConfigMap',
  'v1 Secret',
  'v1 Service',
  'rbac.authorization.k8s.io/v1 Role',
  'rbac.authorization.k8s.io/v1 RoleBinding',
  'apps/v1 Deployment',
  'apps/v1 DaemonSet',
  'apps/v1 StatefulSet',
])

/** What runs pods: applied after what their pods name (service accounts, config maps), so none is refused a moment. */
const WORKLOADS = new Set(['Deployment', 'DaemonSet', 'StatefulSet'])

/** The object's own path for a server-side apply; undefined for a kind not known here. */
export function applyPath(object: KubeObject): string | undefined {
  const key = `${object.apiVersion} ${object.kind}`
  const name = object.metadata?.name
  if (!name) return undefined
  const resource = {apiVersion: object.apiVersion, kind: object.kind, plural: pluralOf(object.kind)}
  if (CLUSTER_SCOPED.has(key)) return `${collectionPath(resource)}/${encodeURIComponent(name)}`
  if (NAMESPACED.has(key)) return `${collectionPath(resource, object.metadata.namespace ?? 'default')}/${encodeURIComponent(name)}`
  return undefined
}

/** Sends one apply patch; undefined when the host gets no answer at all. */
export type ApplyPatch = (path: string, object: KubeObject) => Promise<ApiResponse | undefined>

/**
 * Applies the objects: namespaces first, then what workloads name, then the workloads, each group at once.
 * False, with nothing sent, when a kind is not known here; false too when the host gets no answer or the API
 * server refuses an object: the caller applies by kubectl then, which takes again what went in and tells a
 * refusal in its own words.
 */
export async function applyThroughApi(objects: KubeObject[], patch: ApplyPatch): Promise<boolean> {
  const paths = objects.map(applyPath)
  if (paths.some((p) => p === undefined)) return false
  const indexed = objects.map((object, i) => ({object, path: paths[i]!}))
  const groups = [
    indexed.filter(({object}) => object.kind === 'Namespace'),
    indexed.filter(({object}) => object.kind !== 'Namespace' && !WORKLOADS.has(object.kind)),
    indexed.filter(({object}) => WORKLOADS.has(object.kind)),
  ]
  for (const group of groups) {
    const answers = await Promise.all(group.map(async ({object, path}) => ({object, res: await patch(path, object)})))
    if (answers.some(({res}) => res === undefined)) return false
    // kubectl tells a refusal as users know it (and as kcluster reports a failed command).
    if (answers.some(({res}) => res!.statusCode !== 200 && res!.statusCode !== 201)) return false
  }
  return true
}
