// The addon mechanism: the same few moves for every addon of the catalog.
// State lives in the cluster only: what an addon installed carries its label
// (kcluster.dev/addon=<name>), port fronts and host containers carry it as a
// container label, and list/disable read those back.
import {ADDON_LABEL, CATALOG, unknownAddon, conditionProblem, imageManifestObjects, podProblems, renderObjects, resolveOptions, rolloutProblem, templateKinds, templateValues, toYamlStream, findAddons, parseOptionText, reachableAddress, type Addon, type AddonRuntime, type AddonValues, type KubeObject, type OptionValue, type ReadinessCheck} from '../addons/index.js'
import {nodeImageFacts} from './cluster-images.js'
import {ClusterMissingError, HostPortError, InvalidInputError, KclusterError, TimeoutError, toKclusterError, type InputProblem} from '../errors/index.js'
import {debianMirrors, ensureImage, imageReference, type ImageRecipe} from '../images/index.js'
import {addressAt, parseSubnet} from '../plan/ipv4.js'
import {portFrontContainerName} from '../plan/names.js'
import {chooseFrontAddress} from '../plan/ports.js'
import type {Step, StepContext, StepRunner} from '../progress/step.js'
import {SequentialStepRunner} from '../progress/step.js'
import type {ClusterPort, Node, Provider} from '../provider/types.js'
import {connect} from 'node:net'
import {API_SERVER_PORT} from '../config/api-server.js'
import type {AddonSpec} from '../config/cluster-spec.js'
import {clusterImagesFrom} from './cluster-images.js'
import {kubectlIn} from './kubectl.js'
import {loadImages} from './load-images.js'
import {portConflict} from './ports.js'
import {waitFor, type WaitOptions} from './wait.js'

export type AddonState = 'enabled' | 'disabled' | 'not-ready'

export interface AddonListEntry {
  name: string
  description: string
  upstream: {project: string; version: string; source: string}
  defaultEnabled: boolean
  state: AddonState
  /** Why it is not ready. */
  detail?: string
  /** How many objects in the cluster carry its label. */
  objects: number
}

export interface AddonsListResult {
  cluster: string
  addons: AddonListEntry[]
}

export interface AddonEnableEntry {
  name: string
  /** already-enabled: nothing was done (a note says so). */
  outcome: 'enabled' | 'already-enabled' | 'applied'
  images: {placeholder: string; reference: string; built: boolean; loaded: boolean}[]
  durationMs: number
  message?: string
}

export interface AddonsEnableResult {
  cluster: string
  addons: AddonEnableEntry[]
}

export interface AddonsDisableResult {
  cluster: string
  addons: {name: string; outcome: 'disabled' | 'already-disabled'; removed: number}[]
}

export interface AddonDependencies {
  provider: Provider
  runner?: StepRunner
  signal?: AbortSignal
  catalog?: readonly Addon[]
  /** Notes for the user ("storage is already enabled"). */
  onNote?: (message: string) => void
}

/** A cluster as the mechanism sees it. */
export interface AddonCluster {
  name: string
  nodes: Node[]
  /** The first control plane: kubectl runs here, forwarded host ports arrive here. */
  admin: Node
  values: Omit<AddonValues, 'options'>
  /** Images the node image carries already, by recipe id. */
  bundled: Record<string, string>
  /** Applies objects another way than kubectl (create: through the API from the host); false when kubectl must. */
  apply?: (objects: KubeObject[], options: {force: boolean}) => Promise<boolean>
}

export const DEFAULT_ADDON_WAIT_MS = 180_000

/** How long a readiness poll sleeps when it ran kubectl in the node. */
const POLL_MS = 500

/** The same, when the polls are asked of the API from the host (create): they cost next to nothing. */
const API_POLL_MS = 200

// ——— the cluster ———

export async function addonCluster(provider: Provider, name: string): Promise<AddonCluster> {
  await provider.ping()
  const [nodes, network, inventory, clusters] = await Promise.all([provider.listNodes(name), provider.clusterNetwork(name), provider.inspectCluster(name), provider.listClusters()])
  if (nodes.length === 0 || !network) throw new ClusterMissingError(name)
  const admin = nodes.find((n) => n.role === 'control-plane') ?? nodes[0]!
  const loadBalancer = inventory?.containers.find((c) => c.kind === 'load-balancer')
  const image = clusters.find((c) => c.name === name)?.nodes[0]?.image
  const labels = image ? ((await provider.images.inspect(image))?.labels ?? {}) : {}
  const subnet = parseSubnet(network.subnet)
  return {
    name,
    nodes,
    admin,
    values: {
      cluster: name,
      network: {name: network.name, subnet: network.subnet, gateway: subnet ? addressAt(subnet, 1) : ''},
      nodes: nodes.map((n) => ({name: n.name, role: n.role, ipv4: n.ipv4})),
      controlPlane: {name: admin.name, ipv4: admin.ipv4},
      apiServer: {host: loadBalancer?.ipv4 || admin.ipv4, port: API_SERVER_PORT},
    },
    bundled: nodeImageFacts(labels).bundled,
  }
}

function runtimeOf(cluster: AddonCluster, options: Record<string, OptionValue>, signal: AbortSignal): AddonRuntime {
  return {
    kubectl: async (args, o = {}) => (await kubectlIn(cluster.admin, args, {stdin: o.stdin, signal: o.signal ?? signal})).stdout,
    values: {...cluster.values, options},
    signal,
  }
}

export function defaultOptions(addon: Addon): Record<string, OptionValue> {
  return resolveOptions(addon, {}, '').options
}

// ——— state, from the cluster ———

interface InstalledObject {
  addon: string
  kind: string
  namespace?: string
  name: string
}

/** Every object of the catalog's kinds that carries an addon label, by addon. */
export async function installedObjects(cluster: AddonCluster, catalog: readonly Addon[], signal?: AbortSignal): Promise<Map<string, InstalledObject[]>> {
  const kinds = [...new Set(catalog.flatMap((a) => templateKinds(a)))]
  const items = await getLabelled(cluster, kinds, ADDON_LABEL, signal)
  const byAddon = new Map<string, InstalledObject[]>()
  for (const item of items) {
    const addon = item?.metadata?.labels?.[ADDON_LABEL]
    if (typeof addon !== 'string') continue
    const list = byAddon.get(addon) ?? []
    list.push({addon, kind: item.kind, name: item.metadata.name, ...(item.metadata.namespace ? {namespace: item.metadata.namespace} : {})})
    byAddon.set(addon, list)
  }
  return byAddon
}

/** kubectl get of several kinds by label; kinds the API server does not serve (a CRD not installed) are left out. */
async function getLabelled(cluster: AddonCluster, kinds: string[], selector: string, signal?: AbortSignal): Promise<any[]> {
  if (kinds.length === 0) return []
  const get = (list: string[]) => kubectlIn(cluster.admin, ['get', list.join(','), '-A', '-l', selector, '-o', 'json'], {signal, allowFailure: true})
  let result = await get(kinds)
  if (result.exitCode !== 0 && /doesn't have a resource type|no matches for kind/.test(result.stderr)) {
    const served = await servedKinds(cluster, signal)
    const known = kinds.filter((k) => served.has(k))
    if (known.length === 0) return []
    result = await get(known)
  }
  if (result.exitCode !== 0) throw new KclusterError('COMMAND_FAILED', `cannot list what addons installed: ${result.stderr.trim()}`, {details: {kinds}})
  return JSON.parse(result.stdout).items ?? []
}

/** Kinds as `kind.group` (lower case) that the API server serves now. */
async function servedKinds(cluster: AddonCluster, signal?: AbortSignal): Promise<Set<string>> {
  const out = (await kubectlIn(cluster.admin, ['api-resources', '--no-headers'], {signal})).stdout
  const served = new Set<string>()
  for (const line of out.split('\n')) {
    const columns = line.trim().split(/\s+/)
    if (columns.length < 4) continue
    const kind = columns[columns.length - 1]!
    const apiVersion = columns[columns.length - 3]!
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : ''
    served.add(group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase())
  }
  return served
}

/** Undefined when every readiness check passes; else what is still missing. */
export async function readinessProblem(runtime: AddonRuntime, checks: ReadinessCheck[]): Promise<string | undefined> {
  const problems = await Promise.all(
    checks.map(async (check) => {
      if (check.kind === 'probe') return check.probe(runtime).catch((error) => `${check.what}: ${String((error as Error)?.message ?? error).split('\n')[0]}`)
      const args = ['get', check.resource, ...(check.namespace ? ['-n', check.namespace] : []), '-o', 'json']
      let object: unknown
      try {
        object = JSON.parse(await runtime.kubectl(args))
      } catch (error) {
        return `${check.resource}${check.namespace ? ` in ${check.namespace}` : ''}: ${String((error as Error)?.message ?? error).split('\n').find((l) => /error|not found/i.test(l)) ?? 'cannot be read'}`
      }
      return check.kind === 'rollout' ? rolloutProblem(object) : conditionProblem(object, check.condition)
    }),
  )
  const found = problems.filter((p): p is string => p !== undefined)
  return found.length > 0 ? found.join('; ') : undefined
}

/** Undefined when the addon has no host container or it is on the cluster's network; else what is wrong. */
export async function hostContainerState(provider: Provider, addon: Addon, network: string): Promise<string | undefined> {
  const container = addon.hostContainer?.(defaultOptions(addon))
  if (!container) return undefined
  const networks = await provider.hostContainerNetworks(container.name)
  if (!networks) return `its container ${container.name} does not exist`
  return networks.includes(network) ? undefined : `its container ${container.name} is not on ${network}`
}

export async function listAddons(input: {name: string}, {provider, catalog = CATALOG, signal}: AddonDependencies): Promise<AddonsListResult> {
  const cluster = await addonCluster(provider, input.name)
  const installed = await installedObjects(cluster, catalog, signal)
  const controller = signal ?? new AbortController().signal
  const addons = await Promise.all(
    catalog.map(async (addon): Promise<AddonListEntry> => {
      const objects = installed.get(addon.name) ?? []
      const base = {name: addon.name, description: addon.description, upstream: addon.upstream, defaultEnabled: !!addon.defaultEnabled, objects: objects.length}
      if (objects.length === 0) return {...base, state: 'disabled'}
      const problem = (await hostContainerState(provider, addon, cluster.values.network.name)) ?? (await readinessProblem(runtimeOf(cluster, defaultOptions(addon), controller), addon.readiness))
      return problem ? {...base, state: 'not-ready', detail: problem} : {...base, state: 'enabled'}
    }),
  )
  return {cluster: input.name, addons}
}

// ——— enable ———

/** `addon.key=value`, or `key=value` when one addon is named. */
export function parseOptionFlags(texts: string[], names: string[]): {byAddon: Map<string, Record<string, OptionValue>>; problems: InputProblem[]} {
  const byAddon = new Map<string, Record<string, OptionValue>>()
  const problems: InputProblem[] = []
  for (const text of texts) {
    const match = /^(?:([a-z0-9-]+)\.)?([A-Za-z][\w-]*)=(.*)$/s.exec(text)
    const addon = match?.[1] ?? (names.length === 1 ? names[0] : undefined)
    if (!match || !addon) {
      problems.push({field: '--option', message: `${JSON.stringify(text)}: write ADDON.KEY=VALUE${names.length === 1 ? ' or KEY=VALUE' : ''}`})
      continue
    }
    if (!names.includes(addon)) {
      problems.push({field: '--option', message: `${JSON.stringify(text)} is for ${addon}, which is not being enabled`})
      continue
    }
    byAddon.set(addon, {...byAddon.get(addon), [match[2]!]: parseOptionText(match[3]!)})
  }
  return {byAddon, problems}
}

export interface AddonRequest {
  addon: Addon
  options: Record<string, OptionValue>
  /** Field path of its options, for problems found against the cluster ("addons[1].options", "--option load-balancer"). */
  optionsField?: string
}

/** The problems of the options against this cluster (Addon.clusterProblems), every one at once (exit 3), before anything is built or installed. */
export function checkClusterOptions(requests: AddonRequest[], values: Omit<AddonValues, 'options'>): void {
  const problems = requests.flatMap(({addon, options, optionsField}) =>
    (addon.clusterProblems?.({...values, options}) ?? []).map((p) => ({field: `${optionsField ?? `${addon.name}.options`}.${p.option}`, message: p.message})),
  )
  if (problems.length > 0) throw new InvalidInputError(problems)
}

/** The addons and options asked for, checked; every problem at once (exit 3). */
export function resolveAddonRequests(names: string[], optionTexts: string[], catalog: readonly Addon[] = CATALOG): AddonRequest[] {
  const addons = findAddons(names, 'addons', catalog)
  const {byAddon, problems} = parseOptionFlags(optionTexts, addons.map((a) => a.name))
  const requests = addons.map((addon) => {
    const optionsField = `--option ${addon.name}`
    const resolved = resolveOptions(addon, byAddon.get(addon.name) ?? {}, optionsField)
    problems.push(...resolved.problems)
    return {addon, options: resolved.options, optionsField}
  })
  if (problems.length > 0) throw new InvalidInputError(problems)
  return requests
}

/**
 * The addons a new cluster gets: the catalog's defaults unless the spec turns
 * them off, then those the spec names, in order; checked against the catalog
 * with every problem at once, each with its field ("addons[1].name").
 */
export function resolveClusterAddons(specs: AddonSpec[], catalog: readonly Addon[] = CATALOG): AddonRequest[] {
  const problems: InputProblem[] = []
  const wanted = new Map<string, {enabled: boolean; options: Record<string, OptionValue>; field: string}>()
  for (const addon of catalog) if (addon.defaultEnabled) wanted.set(addon.name, {enabled: true, options: {}, field: ''})
  for (const spec of specs) {
    const known = catalog.some((a) => a.name === spec.name)
    if (!known) {
      problems.push({field: spec.field === '--addons' ? '--addons' : `${spec.field}.name`, message: unknownAddon(spec.name, catalog)})
      continue
    }
    // A later mention (the flag after the file) wins; options given anywhere stay.
    const before = wanted.get(spec.name)
    wanted.delete(spec.name)
    wanted.set(spec.name, {enabled: spec.enabled, options: {...before?.options, ...spec.options}, field: spec.field})
  }
  const requests: AddonRequest[] = []
  for (const [name, want] of wanted) {
    if (!want.enabled) continue
    const addon = catalog.find((a) => a.name === name)!
    const optionsField = `${want.field || name}.options`
    const resolved = resolveOptions(addon, want.options, optionsField)
    problems.push(...resolved.problems)
    requests.push({addon, options: resolved.options, optionsField})
  }
  if (problems.length > 0) throw new InvalidInputError(problems)
  return requests
}

interface EnableOptions {
  /** 0: apply and do not wait for readiness. */
  waitMs: number
  /** With waitMs 0: leave manifestsWhenReady to a later waitForAddons (create waits once the nodes are Ready). */
  deferLate?: boolean
  /** Skip the check of what is installed (create: nothing is). */
  fresh?: boolean
}

export async function enableAddons(
  input: {name: string; addons: string[]; options?: string[]; waitMs?: number},
  {provider, runner = new SequentialStepRunner(), signal = new AbortController().signal, catalog = CATALOG, onNote = () => {}}: AddonDependencies,
): Promise<AddonsEnableResult> {
  const requests = resolveAddonRequests(input.addons, input.options ?? [], catalog)
  const cluster = await addonCluster(provider, input.name)
  const installed = await installedObjects(cluster, catalog, signal)
  const results: AddonEnableEntry[] = []
  const todo = requests.filter(({addon}) => {
    if (!installed.has(addon.name)) return true
    onNote(`${addon.name} is already enabled in ${input.name}; nothing to do (disable it first to install it again)`)
    results.push({name: addon.name, outcome: 'already-enabled', images: [], durationMs: 0})
    return false
  })
  // Every option against the cluster, and every host port, is checked before anything is installed.
  checkClusterOptions(todo, cluster.values)
  await checkHostPorts(provider, cluster, todo)
  const steps = todo.map((request) => enableStep(provider, cluster, request, {waitMs: input.waitMs ?? DEFAULT_ADDON_WAIT_MS}, (entry) => results.push(entry)))
  await runner.run(steps, undefined, signal)
  return {cluster: input.name, addons: results}
}

function enableStep<C>(provider: Provider, cluster: AddonCluster, request: AddonRequest, options: EnableOptions, done: (entry: AddonEnableEntry) => void): Step<C> {
  return {
    id: `enable-addon-${request.addon.name}`,
    title: `Enable ${request.addon.name} (${request.addon.upstream.project} ${request.addon.upstream.version})`,
    run: async (_ctx, step) => done(await enableAddon(provider, cluster, request, options, step)),
  }
}

/** Enables one addon: images, host container, node files, manifests, port fronts; then waits; a failure removes what it applied. */
export async function enableAddon(provider: Provider, cluster: AddonCluster, {addon, options}: AddonRequest, {waitMs, deferLate}: EnableOptions, step: StepContext): Promise<AddonEnableEntry> {
  const started = Date.now()
  const runtime = runtimeOf(cluster, options, step.signal)
  const images = await ensureAddonImages(provider, cluster, addon, step)
  try {
    await startHostContainer(provider, cluster, addon, options, step)
    for (const file of addon.nodeFiles?.(runtime.values) ?? []) await Promise.all(cluster.nodes.map((node) => node.writeFile(file.path, file.content)))
    const values = templateValues(addon, runtime.values, Object.fromEntries(images.map((i) => [i.placeholder, i.reference])))
    await applyObjects(cluster, [...(await imageManifests(provider, addon, step)), ...renderObjects(addon, values)], step)
    await addPortFronts(provider, cluster, addon, options)
    if (waitMs > 0) await waitReady(cluster, addon, runtime, waitMs, step, values)
    else if (!deferLate && addon.manifestsWhenReady) await applyObjects(cluster, renderObjects(addon, values, undefined, addon.manifestsWhenReady), step)
  } catch (error) {
    const failure = toKclusterError(error)
    if (failure.code === 'INTERRUPTED') throw failure
    step.report(`rolling back ${addon.name}`)
    try {
      await removeAddon(provider, cluster, addon, new AbortController().signal)
      failure.addDetail('rolledBack', true)
    } catch (rollbackError) {
      failure.message += ` (removing what was applied failed too: ${String((rollbackError as Error)?.message ?? rollbackError)}; run \`kcluster addons disable ${addon.name} --name ${cluster.name}\`)`
    }
    failure.message = `enabling ${addon.name} failed: ${failure.message}`
    throw failure
  }
  const message = waitMs > 0 && addon.message ? await addon.message(runtime) : undefined
  return {name: addon.name, outcome: waitMs > 0 ? 'enabled' : 'applied', images, durationMs: Date.now() - started, ...(message ? {message} : {})}
}


/** `docker.io/` is how containerd names an image of Docker Hub's form (`kcluster/x:tag`). */
function containerdName(reference: string): string {
  const first = reference.split('/')[0]!
  const hasRegistry = reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
  return hasRegistry ? reference : `docker.io/${reference.includes('/') ? reference : `library/${reference}`}`
}

async function ensureAddonImages(provider: Provider, cluster: AddonCluster, addon: Addon, step: StepContext): Promise<AddonEnableEntry['images']> {
  if (!addon.images) return []
  const recipes = Object.entries(addon.images({mirrors: debianMirrors()}))
  const present = await Promise.all(
    cluster.nodes.map(async (node) => new Set((await node.exec(['ctr', '--namespace=k8s.io', 'images', 'ls', '-q'], {signal: step.signal})).stdout.split('\n').filter(Boolean))),
  )
  const entries: AddonEnableEntry['images'] = []
  const toLoad: string[] = []
  for (const [placeholder, recipe] of recipes) {
    // Preloaded in the node image (the storage addon's): used as it is there.
    const bundled = cluster.bundled[recipe.id]
    const reference = bundled ?? imageReference(recipe)
    const missing = cluster.nodes.filter((_, i) => !present[i]!.has(containerdName(reference)))
    let built = false
    if (missing.length > 0) {
      const ensured = await ensureRecipe(provider, recipe, step)
      built = ensured.built
      toLoad.push(ensured.reference)
    }
    entries.push({placeholder, reference, built, loaded: missing.length > 0})
  }
  if (toLoad.length > 0) {
    step.report(`loading ${toLoad.join(', ')} into ${cluster.nodes.length} node(s)`)
    await loadImages({name: cluster.name, images: toLoad}, {provider, onProgress: step.report, signal: step.signal})
  }
  return entries
}

async function ensureRecipe(provider: Provider, recipe: ImageRecipe, step: StepContext): Promise<{reference: string; built: boolean}> {
  try {
    const ensured = await ensureImage(recipe, {builder: provider.images, report: step.report, signal: step.signal})
    return {reference: ensured.reference, built: ensured.built}
  } catch (error) {
    const failure = toKclusterError(error)
    if (failure.code !== 'INTERRUPTED') failure.message = `building the image ${imageReference(recipe)} (recipe ${recipe.id}) failed: ${failure.message}`
    throw failure
  }
}

async function startHostContainer(provider: Provider, cluster: AddonCluster, addon: Addon, options: Record<string, OptionValue>, step: StepContext): Promise<void> {
  const container = addon.hostContainer?.(options)
  if (!container) return
  const recipe = addon.hostImages?.({mirrors: debianMirrors()})[container.image]
  if (!recipe) throw new Error(`addon ${addon.name}: its host container names the image ${container.image}, which hostImages does not give`)
  const {reference} = await ensureRecipe(provider, recipe, step)
  step.report(`starting ${container.name}`)
  await provider.ensureHostContainer({
    name: container.name,
    image: reference,
    addon: addon.name,
    ports: container.ports.map((p) => ({hostAddress: p.listenAddress, hostPort: p.hostPort, containerPort: p.containerPort})),
    volumes: container.volumes ?? {},
    env: container.env ?? {},
    ...(container.command ? {command: container.command} : {}),
  })
  await provider.connectHostContainer(container.name, cluster.values.network.name)
  const port = container.ports[0]
  if (port) {
    const address = reachableAddress(port.listenAddress)
    await waitFor({what: `${container.name} to answer on ${address}:${port.hostPort}`, timeoutMs: 30_000, intervalMs: 200, signal: step.signal}, () => tcpAnswers(address, port.hostPort))
  }
}

function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host, port})
    socket.setTimeout(1000)
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => (socket.destroy(), resolve(false)))
  })
}

async function addPortFronts(provider: Provider, cluster: AddonCluster, addon: Addon, options: Record<string, OptionValue>): Promise<void> {
  const forwarded = (addon.hostPorts?.(options) ?? []).filter((p) => p.forwardTo !== undefined)
  if (forwarded.length === 0) return
  const image = (await clusterImagesFrom(provider).ensureLoadBalancer({report: () => {}, signal: new AbortController().signal})).reference
  for (const port of forwarded) {
    const wanted = {hostAddress: port.listenAddress ?? '127.0.0.1', hostPort: port.hostPort, protocol: port.protocol ?? 'tcp'}
    const network = await provider.clusterNetwork(cluster.name)
    if (!network) throw new ClusterMissingError(cluster.name)
    const ipv4 = chooseFrontAddress(network.subnet, [...network.addressesInUse, ...cluster.nodes.map((n) => n.ipv4)])
    if (!ipv4) throw new HostPortError(`no address is left on ${network.name} for the port front of ${addon.name}`, `Remove ports you no longer need (\`kcluster port list --name ${cluster.name}\`).`)
    const outcome = await provider.provisionPortFront({
      cluster: cluster.name,
      containerName: portFrontContainerName(cluster.name, wanted),
      image,
      network: network.name,
      ipv4,
      ...wanted,
      node: cluster.admin.name,
      nodeAddress: cluster.admin.ipv4,
      nodePort: port.forwardTo!,
      addon: addon.name,
    })
    if (outcome !== 'started') throw new HostPortError(`host port ${wanted.hostAddress}:${wanted.hostPort} for ${addon.name} could not be published (${outcome})`, 'Run the command again.')
  }
}

/** Every host port the addons need and nothing holds yet: one error naming each taken port, before anything is installed. */
async function checkHostPorts(provider: Provider, cluster: AddonCluster, requests: AddonRequest[]): Promise<void> {
  const existing = await provider.listPorts(cluster.name)
  const problems: string[] = []
  for (const {addon, options} of requests) {
    const own = addon.hostContainer?.(options)
    for (const port of addon.hostPorts?.(options) ?? []) {
      const wanted = {hostAddress: port.listenAddress ?? '127.0.0.1', hostPort: port.hostPort, protocol: port.protocol ?? ('tcp' as const)}
      const what = `host port ${wanted.hostAddress}:${wanted.hostPort}/${wanted.protocol} (${port.purpose}, for ${addon.name})`
      const conflict = portConflict(cluster.name, existing, wanted)
      if (conflict) {
        problems.push(`${what}: ${conflict.message}`)
        continue
      }
      const holder = await provider.portHolder({...wanted, containerPort: port.forwardTo ?? port.hostPort})
      // The shared host container of this very addon, serving another cluster, is no conflict.
      if (holder !== undefined && !(own && holder === `container ${own.name}`)) problems.push(`${what} is already in use by ${holder}`)
    }
  }
  if (problems.length > 0) throw new HostPortError(problems.join('; '), 'Free the port(s) named, or give the addon another port with --option, then enable it again. Nothing was installed.', {problems})
}

/** CRDs first, awaited Established, so that objects of their kinds apply in the same enable. */
async function applyObjects(cluster: AddonCluster, objects: KubeObject[], step: StepContext): Promise<void> {
  step.report(`applying ${objects.length} objects`)
  const apply = async (list: KubeObject[]) => {
    if (await cluster.apply?.(list, {force: true})) return
    await kubectlIn(cluster.admin, ['apply', '--server-side', '--force-conflicts', '--field-manager=kcluster', '-f', '-'], {stdin: toYamlStream(list), signal: step.signal})
  }
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition')
  if (crds.length > 0) {
    await apply(crds)
    await kubectlIn(cluster.admin, ['wait', '--for=condition=Established', '--timeout=60s', ...crds.map((o) => `crd/${o.metadata.name}`)], {signal: step.signal})
  }
  const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition')
  if (rest.length > 0) await apply(rest)
}

/** The objects of the addon's `imageManifests`, read from its images on the engine (built if missing there). */
async function imageManifests(provider: Provider, addon: Addon, step: StepContext): Promise<KubeObject[]> {
  if (!addon.imageManifests?.length) return []
  const recipes = addon.images?.({mirrors: debianMirrors()}) ?? {}
  const objects: KubeObject[] = []
  for (const manifest of addon.imageManifests) {
    const recipe = recipes[manifest.image]
    if (!recipe) throw new Error(`addon ${addon.name}: imageManifests names the image ${manifest.image}, which images does not give`)
    const {reference} = await ensureRecipe(provider, recipe, step)
    const text = (await provider.images.readFile(reference, manifest.path)).toString('utf8')
    objects.push(...imageManifestObjects(addon, text, manifest.kinds, `${manifest.path} of ${reference}`))
  }
  return objects
}

/** Waits for the addon's checks; manifestsWhenReady go in once its rollouts are done (`values` renders them). */
async function waitReady(cluster: AddonCluster, addon: Addon, runtime: AddonRuntime, waitMs: number, step: StepContext, values?: Record<string, string>, pollMs: WaitOptions['intervalMs'] = POLL_MS): Promise<void> {
  const deadline = Date.now() + waitMs
  if (addon.manifestsWhenReady && values) {
    step.report('waiting until it serves')
    await waitChecks(cluster, addon, runtime, addon.readiness.filter((c) => c.kind === 'rollout'), waitMs, step, pollMs)
    await applyWhenServing(cluster, addon, renderObjects(addon, values, undefined, addon.manifestsWhenReady), Math.max(1000, deadline - Date.now()), step)
  }
  await waitChecks(cluster, addon, runtime, addon.readiness, Math.max(1000, deadline - Date.now()), step, pollMs)
}

/**
 * Objects that go through the addon's own webhook or API (a MetalLB address
 * pool) are refused until the API server reaches it: its Service routed by
 * kube-proxy, its CA written. Applied again until accepted or the time is up,
 * which then fails with the last refusal.
 */
async function applyWhenServing(cluster: AddonCluster, addon: Addon, objects: KubeObject[], waitMs: number, step: StepContext): Promise<void> {
  await waitFor({what: `the API server to accept the objects of ${addon.name} that its own service checks`, timeoutMs: waitMs, intervalMs: 1000, signal: step.signal, remedy: 'Read the refusal above; what was applied has been removed.'}, async () => {
    try {
      await applyObjects(cluster, objects, step)
      return true
    } catch (error) {
      if (step.signal.aborted) throw error
      step.report(`not accepted yet: ${String((error as Error)?.message ?? error).split('\n').find((l) => /error|denied|failed/i.test(l)) ?? 'refused'}`)
      throw error
    }
  })
}

async function waitChecks(cluster: AddonCluster, addon: Addon, runtime: AddonRuntime, checks: ReadinessCheck[], waitMs: number, step: StepContext, pollMs: WaitOptions['intervalMs']): Promise<void> {
  step.report('waiting until it is ready')
  try {
    const remedy = `Read why above (\`kubectl describe\` and \`kubectl logs\` of the pods named tell more); what was applied has been removed. If it was only slow, enable it again with a longer --wait.`
    await waitFor({what: `addon ${addon.name} to be ready`, timeoutMs: waitMs, intervalMs: pollMs, signal: step.signal, remedy}, async () => {
      await addon.whileStarting?.(runtime)
      const problem = await readinessProblem(runtime, checks)
      if (problem) throw new Error(problem)
      return true
    })
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error
    // Why the pods of its namespaces do not run says more than "not ready".
    const namespaces = [...new Set(addon.readiness.flatMap((c) => ('namespace' in c && c.namespace ? [c.namespace] : [])))]
    const pods = await Promise.all(namespaces.map(async (ns) => podProblems(JSON.parse((await kubectlIn(cluster.admin, ['get', 'pods', '-n', ns, '-o', 'json'], {allowFailure: true})).stdout || '{}'))))
    const why = pods.flat()
    if (why.length > 0) error.message += `; ${why.join('; ')}`
    error.addDetail('pods', why)
    throw error
  }
}

/**
 * The kubectl of an addon wait that `reads` may answer another way first, and the sleep after each poll:
 * kubectl's pace when the poll ran kubectl in the node (the API did not answer the host, or the question was
 * not a read of one object), the API's when `reads` answered all of it.
 */
export function pacedKubectl(inNode: AddonRuntime['kubectl'], reads: (kubectl: AddonRuntime['kubectl']) => AddonRuntime['kubectl']): {kubectl: AddonRuntime['kubectl']; pace: () => number} {
  let askedInNode = false
  const kubectl = reads((args, options) => {
    askedInNode = true
    return inNode(args, options)
  })
  const pace = () => {
    const ms = askedInNode ? POLL_MS : API_POLL_MS
    askedInNode = false
    return ms
  }
  return {kubectl, pace}
}

/**
 * Waits for addons applied without waiting (create applies first, then waits once the nodes are Ready).
 * `reads` may answer some of the kubectl questions another way (create asks the API from the host).
 */
export async function waitForAddons(cluster: AddonCluster, requests: AddonRequest[], waitMs: number, step: StepContext, reads?: (kubectl: AddonRuntime['kubectl']) => AddonRuntime['kubectl']): Promise<void> {
  await Promise.all(
    requests.map(async ({addon, options}) => {
      const inNode = runtimeOf(cluster, options, step.signal)
      const paced = reads ? pacedKubectl(inNode.kubectl, reads) : undefined
      const runtime = paced ? {...inNode, kubectl: paced.kubectl} : inNode
      const images = Object.fromEntries(Object.entries(addon.images?.({mirrors: debianMirrors()}) ?? {}).map(([key, recipe]) => [key, cluster.bundled[recipe.id] ?? imageReference(recipe)]))
      await waitReady(cluster, addon, runtime, waitMs, step, templateValues(addon, runtime.values, images), paced?.pace ?? POLL_MS)
    }),
  )
}

// ——— disable ———

export async function disableAddons(input: {name: string; addons: string[]}, {provider, runner = new SequentialStepRunner(), signal = new AbortController().signal, catalog = CATALOG, onNote = () => {}}: AddonDependencies): Promise<AddonsDisableResult> {
  const addons = findAddons(input.addons, 'addons', catalog)
  const cluster = await addonCluster(provider, input.name)
  const installed = await installedObjects(cluster, catalog, signal)
  const ports = await provider.listPorts(input.name)
  const results: AddonsDisableResult['addons'] = []
  const steps: Step<undefined>[] = []
  for (const addon of addons) {
    const objects = installed.get(addon.name)?.length ?? 0
    const fronts = ports.filter((p) => p.source === 'port add' && p.addon === addon.name).length
    const container = addon.hostContainer?.(defaultOptions(addon))
    const onNetwork = container ? !!(await provider.hostContainerNetworks(container.name))?.includes(cluster.values.network.name) : false
    if (objects === 0 && fronts === 0 && !onNetwork) {
      onNote(`${addon.name} is not enabled in ${input.name}; nothing to do`)
      results.push({name: addon.name, outcome: 'already-disabled', removed: 0})
      continue
    }
    steps.push({
      id: `disable-addon-${addon.name}`,
      title: `Disable ${addon.name}`,
      run: async (_ctx, step) => {
        await removeAddon(provider, cluster, addon, step.signal)
        results.push({name: addon.name, outcome: 'disabled', removed: objects})
      },
    })
  }
  await runner.run(steps, undefined, signal)
  return {cluster: input.name, addons: results}
}

/** Deletes exactly what carries the addon's label (every kind its templates make), its port fronts, node files and host container. */
export async function removeAddon(provider: Provider, cluster: AddonCluster, addon: Addon, signal: AbortSignal): Promise<void> {
  const kinds = templateKinds(addon)
  const selector = `${ADDON_LABEL}=${addon.name}`
  // Objects of kinds no longer served (a CRD deleted first) are gone with their CRD.
  const served = await servedKinds(cluster, signal)
  // CRDs go last: their objects, deleted first, are then found by their own kinds.
  const crd = 'customresourcedefinition.apiextensions.k8s.io'
  const present = kinds.filter((k) => served.has(k)).sort((a, b) => Number(a === crd) - Number(b === crd))
  if (present.length > 0) await kubectlIn(cluster.admin, ['delete', present.join(','), '-A', '-l', selector, '--ignore-not-found', '--wait=true', '--timeout=120s'], {signal})
  const ports = (await provider.listPorts(cluster.name)).filter((p): p is ClusterPort & {source: 'port add'} => p.source === 'port add' && p.addon === addon.name)
  for (const port of ports) await provider.removePortFront(port.container)
  const files = addon.nodeFiles?.({...cluster.values, options: defaultOptions(addon)}) ?? []
  if (files.length > 0) await Promise.all(cluster.nodes.map((node) => node.exec(['rm', '-f', ...files.map((f) => f.path)], {signal})))
  const container = addon.hostContainer?.(defaultOptions(addon))
  if (container) {
    await provider.disconnectHostContainer(container.name, cluster.values.network.name)
    // The last cluster that used a shared container lets it go; its volumes (the data) stay.
    const left = await provider.hostContainerNetworks(container.name)
    if (left && left.length === 0) await provider.removeHostContainer(container.name)
  }
}
