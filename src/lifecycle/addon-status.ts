// The addons of a running cluster and their state, for `status`: what `addons
// list` reads (the objects carrying an addon's label, its host container, its
// readiness checks), asked of the API server through its published endpoint
// with the kubeconfig context's credentials. No kubectl process and no exec
// into a node, and every question at once, so status stays fast.
import {ADDON_LABEL, CATALOG, templateResources, type Addon, type AddonRuntime, type AddonValues} from '../addons/index.js'
import type {ClusterAccess} from '../kubeconfig/index.js'
import type {ClusterInventory, Provider} from '../provider/types.js'
import {apiGet} from './api-client.js'
import {defaultOptions, hostContainerState, readinessProblem, type AddonState} from './addons.js'

export interface AddonStatus {
  name: string
  state: Exclude<AddonState, 'disabled'>
}

/** A resource as the API serves it: where its collection is, and whether objects of it live in namespaces. */
interface ApiResource {
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

/**
 * The `kubectl` of a readiness check, answered through the API: `get TYPE/NAME`
 * or `get TYPE NAME`, `-n NAMESPACE`, `-o json|name`. Anything else (a write)
 * is refused: status only reads.
 */
export function readOnlyKubectl(resources: Map<string, ApiResource>, get: ApiGet): AddonRuntime['kubectl'] {
  return async (args) => {
    const refuse = () => new Error(`status reads only: \`kubectl ${args.join(' ')}\` is not run`)
    if (args[0] !== 'get') throw refuse()
    const positional: string[] = []
    let namespace: string | undefined
    let output = 'json'
    for (let i = 1; i < args.length; i++) {
      const arg = args[i]!
      if (arg === '-n' || arg === '--namespace') namespace = args[++i]
      else if (arg === '-o' || arg === '--output') output = args[++i] ?? ''
      else if (arg.startsWith('-')) throw refuse()
      else positional.push(arg)
    }
    const [type, name] = positional.length === 1 && positional[0]!.includes('/') ? positional[0]!.split('/', 2) : positional
    const resource = type ? resources.get(type.toLowerCase()) : undefined
    if (!resource || !name || (output !== 'json' && output !== 'name')) throw refuse()
    const res = await get(`${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`)
    if (res.statusCode === 404) throw new Error(`Error from server (NotFound): ${resource.plural} "${name}" not found`)
    if (res.statusCode !== 200) throw new Error(`error: the API server answered ${res.statusCode} for ${type}/${name}`)
    return output === 'json' ? res.body : `${type!.toLowerCase()}/${name}\n`
  }
}

/** Addon name → how many objects carry its label, from one labelled list per resource the catalog makes. */
export async function labelledCounts(resources: Iterable<ApiResource>, get: ApiGet): Promise<Map<string, number>> {
  const unique = [...new Map([...resources].map((r) => [`${r.apiVersion} ${r.kind}`, r])).values()]
  const lists = await Promise.all(
    unique.map(async (resource) => {
      const res = await get(`${collectionPath(resource)}?labelSelector=${encodeURIComponent(ADDON_LABEL)}`)
      // A kind not served (its CRD is not installed) holds nothing.
      if (res.statusCode === 404) return []
      if (res.statusCode !== 200) throw new Error(`the API server answered ${res.statusCode} for ${collectionPath(resource)}`)
      return (JSON.parse(res.body).items ?? []) as any[]
    }),
  )
  const counts = new Map<string, number>()
  for (const item of lists.flat()) {
    const addon = item?.metadata?.labels?.[ADDON_LABEL]
    if (typeof addon === 'string') counts.set(addon, (counts.get(addon) ?? 0) + 1)
  }
  return counts
}

/**
 * The catalog's addons installed in the cluster, each `enabled` or
 * `not-ready` by the same checks as `addons list`. Every list, every check
 * and the host containers are asked at once.
 */
export async function addonStatuses(
  input: {name: string; server: string; access: ClusterAccess; inventory: ClusterInventory},
  deps: {provider: Provider; signal?: AbortSignal; catalog?: readonly Addon[]; timeoutMs: number; get?: ApiGet},
): Promise<AddonStatus[]> {
  const {provider, signal, catalog = CATALOG, timeoutMs} = deps
  const get: ApiGet = deps.get ?? ((path) => apiGet(input.server, path, {access: input.access, timeoutMs, ...(signal ? {signal} : {})}))
  const resources = catalogResources(catalog)
  const kubectl = readOnlyKubectl(resources, get)
  const network = catalog.some((a) => a.hostContainer) ? provider.clusterNetwork(input.name) : Promise.resolve(undefined)
  const nodes = input.inventory.containers.filter((c) => c.kind === 'node')
  const controlPlane = nodes.find((c) => c.role === 'control-plane') ?? nodes[0]
  const values = (options: AddonValues['options'], networkName: string): AddonValues => ({
    cluster: input.name,
    network: {name: networkName, subnet: '', gateway: ''},
    nodes: nodes.map((c) => ({name: c.name, role: c.role === 'control-plane' ? 'control-plane' : 'worker', ipv4: c.ipv4})),
    controlPlane: {name: controlPlane?.name ?? '', ipv4: controlPlane?.ipv4 ?? ''},
    apiServer: {host: controlPlane?.ipv4 ?? '', port: 6443},
    options,
  })
  const [counts, problems] = await Promise.all([
    labelledCounts(resources.values(), get),
    Promise.all(
      catalog.map(async (addon) => {
        const networkName = (await network)?.name ?? ''
        const runtime: AddonRuntime = {kubectl, values: values(defaultOptions(addon), networkName), signal: signal ?? new AbortController().signal}
        const [host, ready] = await Promise.all([addon.hostContainer ? hostContainerState(provider, addon, networkName) : undefined, readinessProblem(runtime, addon.readiness)])
        return host ?? ready
      }),
    ),
  ])
  return catalog.flatMap((addon, i) => ((counts.get(addon.name) ?? 0) > 0 ? [{name: addon.name, state: problems[i] ? 'not-ready' : 'enabled'} as AddonStatus] : []))
}
