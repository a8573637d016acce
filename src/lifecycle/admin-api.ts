// The create's own questions and writes to the API server (nodes Ready, the
// addons rolled out; the first node's pod CIDR, the pod network's and addons'
// objects), sent from this host as the cluster admin through the API server's
// published endpoint. A kubectl in the node costs a tenth to a quarter of a
// CPU-second each time, taken from the node while it starts its pods.
import {Agent} from 'node:https'
import type {KubeObject} from '../addons/index.js'
import {setTimeout as sleep} from 'node:timers/promises'
import {ApplyForbidden, applyThroughApi} from './api-apply.js'
import {apiApply, apiGet, apiMergePatch, type ApiResponse} from './api-client.js'
import {adminCredentials, required, type CreateContext} from './create-context.js'

/** How long a forbidden apply is asked again: kubeadm init binds the admin's group within a second or two of /readyz. */
const ADMIN_BINDING_WAIT_MS = 20_000

/** kubectl's and kcluster's field manager for what create applies. */
const FIELD_MANAGER = 'kcluster'

export interface AdminApi {
  /** A GET; undefined when the host gets no answer at all (an endpoint it cannot reach). */
  get(path: string): Promise<ApiResponse | undefined>
  /** A JSON merge patch; undefined when the host gets no answer at all. */
  mergePatch(path: string, patch: unknown): Promise<ApiResponse | undefined>
  /** Server-side apply (applyThroughApi); false when the caller must apply by kubectl instead. */
  apply(objects: KubeObject[], options: {force: boolean}): Promise<boolean>
}

/**
 * Runs `use` with the API over one kept-alive connection (a TLS handshake per request would cost more than the
 * request), or with none when the admin credentials cannot be read: the caller then works in the node, as before.
 */
export async function withAdminApi<T>(ctx: CreateContext, signal: AbortSignal, use: (api: AdminApi | undefined) => Promise<T>): Promise<T> {
  const plan = required(ctx.plan, 'the plan')
  const admin = await adminCredentials(ctx, signal).catch((error: unknown) => {
    if (signal.aborted) throw error
    return undefined
  })
  if (!admin) return use(undefined)
  const agent = new Agent({keepAlive: true, maxSockets: 4})
  const access = {contextName: plan.contextName, ...admin, server: plan.apiServer.server}
  const server = plan.apiServer.server
  // A host that once got no answer (an endpoint it cannot reach) is not asked again here: each try could wait
  // out its timeout before the caller falls back to the node.
  let answering = true
  const ask = (request: () => Promise<ApiResponse>) =>
    answering
      ? request().catch((error: unknown) => {
          if (signal.aborted) throw error
          answering = false
          return undefined
        })
      : Promise.resolve(undefined)
  const api: AdminApi = {
    get: (path) => ask(() => apiGet(server, path, {access, timeoutMs: 2000, signal, agent})),
    mergePatch: (path, patch) => ask(() => apiMergePatch(server, path, patch, {access, timeoutMs: 2000, signal, agent})),
    apply: async (objects, {force}) => {
      // The API server serves (/readyz) a moment before kubeadm init binds the admin's group to cluster-admin:
      // forbidden until then, and only that is asked again; after the wait, kubectl tells the refusal.
      const deadline = Date.now() + ADMIN_BINDING_WAIT_MS
      for (;;) {
        try {
          return await applyThroughApi(objects, (path, object) => ask(() => apiApply(server, path, object, {access, fieldManager: FIELD_MANAGER, force, timeoutMs: 5000, signal, agent})))
        } catch (error) {
          if (!(error instanceof ApplyForbidden)) throw error
          if (Date.now() > deadline) return false
          await sleep(200, undefined, {signal})
        }
      }
    },
  }
  try {
    return await use(api)
  } finally {
    agent.destroy()
  }
}
