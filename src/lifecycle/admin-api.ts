// The create's own questions and writes to the API server (nodes Ready, the
// addons rolled out; the first node's pod CIDR, the pod network's and addons'
// objects), sent from this host as the cluster admin through the API server's
// published endpoint. A kubectl in the node costs a tenth to a quarter of a
// CPU-second each time, taken from the node while it starts its pods.
import {Agent} from 'node:https'
import type {KubeObject} from '../addons/index.js'
import {setTimeout as sleep} from 'node:timers/promises'
import {applyThroughApi} from './api-apply.js'
import {apiApply, apiGet, apiMergePatch, type ApiResponse} from './api-client.js'
import {adminCredentials, required, type CreateContext} from './create-context.js'

/** How long a forbidden request is asked again: kubeadm init binds the admin's group within a second or two of /readyz. */
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
 * What the create's questions to the API share, from the first to the end of the create (closeAdminApi): one
 * kept-alive connection (a TLS handshake costs more than a request), and what is known of the admin's binding.
 */
export interface AdminApiSession {
  agent: Agent
  /** The API server has let the admin do something: kubeadm's binding is in force, and a 403 is a refusal. */
  bound: boolean
  /** When the first 403 came, while not bound. */
  forbiddenSince?: number
}

/**
 * Runs `use` with the API, or with none when the admin credentials cannot be read: the caller then works in
 * the node, as before.
 */
export async function withAdminApi<T>(ctx: CreateContext, signal: AbortSignal, use: (api: AdminApi | undefined) => Promise<T>): Promise<T> {
  const plan = required(ctx.plan, 'the plan')
  const admin = await adminCredentials(ctx, signal).catch((error: unknown) => {
    if (signal.aborted) throw error
    return undefined
  })
  if (!admin) return use(undefined)
  const session = (ctx.adminApi ??= {agent: new Agent({keepAlive: true, maxSockets: 4}), bound: false})
  const {agent} = session
  const access = {contextName: plan.contextName, ...admin, server: plan.apiServer.server}
  const server = plan.apiServer.server
  // A host that once got no answer (an endpoint it cannot reach) is not asked again here: each try could wait
  // out its timeout before the caller falls back to the node.
  let answering = true
  const answer = (request: () => Promise<ApiResponse>) =>
    answering
      ? request().catch((error: unknown) => {
          if (signal.aborted) throw error
          answering = false
          return undefined
        })
      : Promise.resolve(undefined)
  // The API server serves (/readyz) a moment before kubeadm init binds the admin's group to cluster-admin: every
  // request is forbidden until then, and asked again here, so that no caller has to; after the wait, or once the
  // admin was let in, a 403 is the API server's answer.
  const ask = async (request: () => Promise<ApiResponse>): Promise<ApiResponse | undefined> => {
    for (;;) {
      const res = await answer(request)
      if (res && res.statusCode < 300) session.bound = true
      if (res?.statusCode !== 403 || session.bound) return res
      session.forbiddenSince ??= Date.now()
      if (Date.now() - session.forbiddenSince > ADMIN_BINDING_WAIT_MS) return res
      await sleep(200, undefined, {signal})
    }
  }
  const api: AdminApi = {
    get: (path) => ask(() => apiGet(server, path, {access, timeoutMs: 2000, signal, agent})),
    mergePatch: (path, patch) => ask(() => apiMergePatch(server, path, patch, {access, timeoutMs: 2000, signal, agent})),
    apply: (objects, {force}) => applyThroughApi(objects, (path, object) => ask(() => apiApply(server, path, object, {access, fieldManager: FIELD_MANAGER, force, timeoutMs: 5000, signal, agent}))),
  }
  return use(api)
}

/** Closes the create's connection to the API server, if it made one. */
export function closeAdminApi(ctx: CreateContext): void {
  ctx.adminApi?.agent.destroy()
  ctx.adminApi = undefined
}
