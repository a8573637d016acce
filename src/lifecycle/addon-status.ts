// The addons of a running cluster and their state, for `status`: what `addons
// list` reads (the objects carrying an addon's label, its host container, its
// readiness checks), asked of the API server through its published endpoint
// with the kubeconfig context's credentials. No kubectl process and no exec
// into a node, and every question at once, so status stays fast.
import {ADDON_LABEL, CATALOG, templateResources, type Addon, type AddonRuntime, type AddonValues} from '../addons/index.js'
import type {ClusterAccess} from '../kubeconfig/index.js'
import type {ClusterInventory, Provider} from '../provider/types.js'
import {Agent} from 'node:https'
import {API_SERVER_PORT} from '../config/api-server.js'
import {apiGet, collectionPath, pluralOf, type ApiResource} from './api-client.js'
import {defaultOptions, hostContainerState, readinessProblem, type AddonState} from './addons.js'

export interface AddonStatus {
  name: string
  state: Exclude<AddonState, 'disabled'>
}

/** Every resource the catalog's templates make, by the names kubectl takes for it (kind, kind.group, plural). */
export function catalogResources(catalog: readonly Addon[]): Map<string, ApiResource> {
  const byName = new Map<string, ApiResource>()
  for (const addon of catalog) {
    for (const {apiVersion, kind} of templateResources(addon)) {
      const resource = {apiVersion, kind, plural: pluralOf(kind)}
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : ''
      for (const name of [kind.toLowerCase(), resource.plural, ...(group ? [`${kind.toLowerCase()}.${group}`] : [])]) if (!byName.has(name)) byName.set(name, resource)
    }
  }
  return byName
}

export type ApiGet = (path: string) => Promise<{statusCode: number; body: string}>

/** What a readiness check's `kubectl get` asks: `get TYPE/NAME` or `get TYPE NAME`, `-n NAMESPACE`, `-o json|name`. */
interface ObjectGet {
  type: string
  name: string
  path: string
  plural: string
  output: 'json' | 'name'
}

/** The one object a `kubectl get` asks for, of a resource known here; undefined for anything else. */
function objectGet(args: string[], resources: Map<string, ApiResource>): ObjectGet | undefined {
  if (args[0] !== 'get') return undefined
  const positional: string[] = []
  let namespace: string | undefined
  let output = 'json'
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '-n' || arg === '--namespace') namespace = args[++i]
    else if (arg === '-o' || arg === '--output') output = args[++i] ?? ''
    else if (arg.startsWith('-')) return undefined
    else positional.push(arg)
  }
  const [type, name] = positional.length === 1 && positional[0]!.includes('/') ? positional[0]!.split('/', 2) : positional
  const resource = type ? resources.get(type.toLowerCase()) : undefined
  if (!type || !resource || !name || (output !== 'json' && output !== 'name')) return undefined
  return {type: type.toLowerCase(), name, path: `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`, plural: resource.plural, output}
}

/** What kubectl would print for the object, or the error it would fail with. */
function answered(wanted: ObjectGet, res: {statusCode: number; body: string}): string {
  if (res.statusCode === 404) throw new Error(`Error from server (NotFound): ${wanted.plural} "${wanted.name}" not found`)
  if (res.statusCode !== 200) throw new Error(`error: the API server answered ${res.statusCode} for ${wanted.type}/${wanted.name}`)
  return wanted.output === 'json' ? res.body : `${wanted.type}/${wanted.name}\n`
}

/**
 * The `kubectl` of a readiness check, answered through the API: the `get` of
 * one object (objectGet). Anything else (a write) is refused: status only reads.
 */
export function readOnlyKubectl(resources: Map<string, ApiResource>, get: ApiGet): AddonRuntime['kubectl'] {
  return async (args) => {
    const wanted = objectGet(args, resources)
    if (!wanted) throw new Error(`status reads only: \`kubectl ${args.join(' ')}\` is not run`)
    return answered(wanted, await get(wanted.path))
  }
}

/**
 * The `kubectl` of an addon that create waits for: the `get` of one object through the API (objectGet), the
 * rest, and any question the host gets no answer to, by `kubectl` itself.
 */
export function apiFirstKubectl(resources: Map<string, ApiResource>, get: (path: string) => Promise<{statusCode: number; body: string} | undefined>, kubectl: AddonRuntime['kubectl']): AddonRuntime['kubectl'] {
  return async (args, options) => {
    const wanted = objectGet(args, resources)
    const res = wanted ? await get(wanted.path) : undefined
    return wanted && res ? answered(wanted, res) : kubectl(args, options)
  }
}

/**
 * A few resources such that every addon's templates make an object of one of
 * them (greedy: the resource most addons make first, ties by template order),
 * so that listing them finds every installed addon in a request or two.
 */
export function coveringResources(catalog: readonly Addon[]): ApiResource[] {
  const made = catalog.map((addon) => templateResources(addon).map(({apiVersion, kind}) => `${apiVersion} ${kind}`))
  const byKey = new Map(catalog.flatMap((addon) => templateResources(addon)).map(({apiVersion, kind}) => [`${apiVersion} ${kind}`, {apiVersion, kind, plural: pluralOf(kind)}]))
  const chosen: ApiResource[] = []
  let left = made.map((_, i) => i).filter((i) => made[i]!.length > 0)
  while (left.length > 0) {
    let best = ''
    let bestCount = 0
    for (const key of byKey.keys()) {
      const count = left.filter((i) => made[i]!.includes(key)).length
      if (count > bestCount) [best, bestCount] = [key, count]
    }
    chosen.push(byKey.get(best)!)
    left = left.filter((i) => !made[i]!.includes(best))
  }
  return chosen
}

/** The addons that have at least one object carrying their label among these resources. */
export async function labelledAddons(resources: ApiResource[], get: ApiGet): Promise<Set<string>> {
  const lists = await Promise.all(
    resources.map(async (resource) => {
      const res = await get(`${collectionPath(resource)}?labelSelector=${encodeURIComponent(ADDON_LABEL)}`)
      // A kind not served (its CRD is not installed) holds nothing.
      if (res.statusCode === 404) return []
      if (res.statusCode !== 200) throw new Error(`the API server answered ${res.statusCode} for ${collectionPath(resource)}`)
      return (JSON.parse(res.body).items ?? []) as any[]
    }),
  )
  return new Set(lists.flat().flatMap((item) => (typeof item?.metadata?.labels?.[ADDON_LABEL] === 'string' ? [item.metadata.labels[ADDON_LABEL] as string] : [])))
}

/**
 * The catalog's addons installed in the cluster, each `enabled` or
 * `not-ready` by the same checks as `addons list`. A request or two finds
 * which are installed, then their checks and host containers are asked at
 * once, over two kept-alive connections (a TLS handshake per request would
 * cost more than the requests).
 */
export async function addonStatuses(
  input: {name: string; server: string; access: ClusterAccess; inventory: ClusterInventory},
  deps: {provider: Provider; signal?: AbortSignal; catalog?: readonly Addon[]; timeoutMs: number; get?: ApiGet},
): Promise<AddonStatus[]> {
  const {provider, signal, catalog = CATALOG, timeoutMs} = deps
  const agent = deps.get ? undefined : new Agent({keepAlive: true, maxSockets: 2})
  const get: ApiGet = deps.get ?? ((path) => apiGet(input.server, path, {access: input.access, timeoutMs, agent, ...(signal ? {signal} : {})}))
  try {
    const installed = await labelledAddons(coveringResources(catalog), get)
    const addons = catalog.filter((addon) => installed.has(addon.name))
    if (addons.length === 0) return []
    const kubectl = readOnlyKubectl(catalogResources(addons), get)
    const network = addons.some((a) => a.hostContainer) ? (await provider.clusterNetwork(input.name))?.name ?? '' : ''
    const nodes = input.inventory.containers.filter((c) => c.kind === 'node')
    const controlPlane = nodes.find((c) => c.role === 'control-plane') ?? nodes[0]
    const values = (options: AddonValues['options']): AddonValues => ({
      cluster: input.name,
      network: {name: network, subnet: '', gateway: ''},
      nodes: nodes.map((c) => ({name: c.name, role: c.role === 'control-plane' ? 'control-plane' : 'worker', ipv4: c.ipv4})),
      controlPlane: {name: controlPlane?.name ?? '', ipv4: controlPlane?.ipv4 ?? ''},
      apiServer: {host: controlPlane?.ipv4 ?? '', port: API_SERVER_PORT},
      options,
    })
    return await Promise.all(
      addons.map(async (addon): Promise<AddonStatus> => {
        const runtime: AddonRuntime = {kubectl, values: values(defaultOptions(addon)), signal: signal ?? new AbortController().signal}
        const [host, ready] = await Promise.all([hostContainerState(provider, addon, network), readinessProblem(runtime, addon.readiness)])
        return {name: addon.name, state: host || ready ? 'not-ready' : 'enabled'}
      }),
    )
  } finally {
    agent?.destroy()
  }
}
