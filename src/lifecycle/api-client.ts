// A few GETs against the API server through its published endpoint, for the
// questions `status` must answer fast: no kubectl process, no exec into a node.
import {request, type Agent} from 'node:https'
import type {ClusterAccess} from '../kubeconfig/index.js'

export interface ApiResponse {
  statusCode: number
  body: string
}

const fromBase64 = (data: string) => Buffer.from(data, 'base64')

/**
 * GET `path` on `server`. With `access`, the server's certificate is checked
 * against the cluster's CA and the client certificate authenticates; without
 * it, only public paths (/readyz, /livez) answer.
 */
export function apiGet(server: string, path: string, options: {access?: ClusterAccess; timeoutMs: number; signal?: AbortSignal; agent?: Agent}): Promise<ApiResponse> {
  const {access} = options
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server),
      {
        method: 'GET',
        timeout: options.timeoutMs,
        ...(options.agent ? {agent: options.agent} : {}),
        ...(options.signal ? {signal: options.signal} : {}),
        ...(access
          ? {ca: fromBase64(access.certificateAuthorityData), cert: fromBase64(access.clientCertificateData), key: fromBase64(access.clientKeyData)}
          : {rejectUnauthorized: false}),
        headers: {accept: 'application/json'},
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
    req.end()
  })
}
