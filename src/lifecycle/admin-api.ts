// The create's reads of cluster state (nodes Ready, addons rolled out), asked
// from this host as the cluster admin through the API server's published
// endpoint. A kubectl in the node costs a tenth of a CPU-second or more per
// question, taken from the node while it starts its pods.
import {Agent} from 'node:https'
import {apiGet, type ApiResponse} from './api-client.js'
import {adminCredentials, required, type CreateContext} from './create-context.js'

/** A GET as the cluster admin; undefined when the host gets no answer at all (an endpoint it cannot reach). */
export type AdminGet = (path: string) => Promise<ApiResponse | undefined>

/**
 * Runs `use` with a GET over one kept-alive connection (a TLS handshake per question would cost more than the
 * question), or with none when the admin credentials cannot be read: the caller then asks as before, in the node.
 */
export async function withAdminApi<T>(ctx: CreateContext, signal: AbortSignal, use: (get: AdminGet | undefined) => Promise<T>): Promise<T> {
  const plan = required(ctx.plan, 'the plan')
  const admin = await adminCredentials(ctx, signal).catch((error: unknown) => {
    if (signal.aborted) throw error
    return undefined
  })
  if (!admin) return use(undefined)
  const agent = new Agent({keepAlive: true, maxSockets: 1})
  const access = {contextName: plan.contextName, ...admin, server: plan.apiServer.server}
  const get: AdminGet = (path) =>
    apiGet(plan.apiServer.server, path, {access, timeoutMs: 2000, signal, agent}).catch((error: unknown) => {
      if (signal.aborted) throw error
      return undefined
    })
  try {
    return await use(get)
  } finally {
    agent.destroy()
  }
}
