// A few requests to the API server through its published endpoint, for the
// questions `status` must answer fast and the few writes a create makes while
// the node is busiest: no kubectl process, no exec into a node.
import {request, type Agent} from 'node:https'
import type {ClusterAccess} from '../kubeconfig/index.js'

export interface ApiResponse {
  statusCode: number
  body: string
}

/** A resource as the API serves it: where its collection is, and whether objects of it live in namespaces. */
export interface ApiResource {
  apiVersion: string
  kind: string
  plural: string
}

/**
 * Kubernetes' plural of a kind, as kubectl guesses it when discovery is not
 * asked: Ingress → ingresses, NetworkPolicy → networkpolicies, Gateway → gateways.
 */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase()
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`
  return `${lower}s`
}

/** The collection path of a resource, in a namespace or across all of them. */
export function collectionPath({apiVersion, plural}: ApiResource, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`
  return `${base}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}`
}

const fromBase64 = (data: string) => Buffer.from(data, 'base64')

/**
 * GET `path` on `server`. With `access`, the server's certificate is checked
 * against the cluster's CA and the client certificate authenticates; without
 * it, only public paths (/readyz, /livez) answer.
 */
export function apiGet(server: string, path: string, options: {access?: ClusterAccess; timeoutMs: number; signal?: AbortSignal; agent?: Agent}): Promise<ApiResponse> {
  return apiRequest('GET', server, path, options)
}

/** PATCH `path` with a JSON merge patch, authenticated by `access`. */
export function apiMergePatch(server: string, path: string, patch: unknown, options: {access: ClusterAccess; timeoutMs: number; signal?: AbortSignal; agent?: Agent}): Promise<ApiResponse> {
  return apiRequest('PATCH', server, path, {...options, body: {contentType: 'application/merge-patch+json', text: JSON.stringify(patch)}})
}

/**
 * A server-side apply of `object` at its own `path`, as field manager `fieldManager`, validated strictly by the
 * server; `force` takes over fields another manager owns (kubectl's --force-conflicts).
 */
export function apiApply(
  server: string,
  path: string,
  object: unknown,
  options: {access: ClusterAccess; fieldManager: string; force: boolean; timeoutMs: number; signal?: AbortSignal; agent?: Agent},
): Promise<ApiResponse> {
  const query = `?fieldManager=${encodeURIComponent(options.fieldManager)}&fieldValidation=Strict${options.force ? '&force=true' : ''}`
  // JSON is YAML: the apply content type takes it as it is.
  return apiRequest('PATCH', server, `${path}${query}`, {...options, body: {contentType: 'application/apply-patch+yaml', text: JSON.stringify(object)}})
}

function apiRequest(
  method: 'GET' | 'PATCH',
  server: string,
  path: string,
  options: {access?: ClusterAccess; timeoutMs: number; signal?: AbortSignal; agent?: Agent; body?: {contentType: string; text: string}},
): Promise<ApiResponse> {
  const {access, body} = options
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server),
      {
        method,
        timeout: options.timeoutMs,
        ...(options.agent ? {agent: options.agent} : {}),
        ...(options.signal ? {signal: options.signal} : {}),
        ...(access
          ? {ca: fromBase64(access.certificateAuthorityData), cert: fromBase64(access.clientCertificateData), key: fromBase64(access.clientKeyData)}
          : {rejectUnauthorized: false}),
        headers: {accept: 'application/json', ...(body ? {'content-type': body.contentType, 'content-length': Buffer.byteLength(body.text)} : {})},
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer from ${server} within ${options.timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body?.text)
  })
}
