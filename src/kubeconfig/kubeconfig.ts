// Kubeconfig files are edited as parsed YAML: we add, replace or remove our
// own named entries and carry everything else over as it was. A file we
// cannot parse is the user's and is never overwritten.

import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import {InvalidInputError} from '../errors/index.js'
import {withFileLock} from '../files/lock.js'

export interface ClusterAccess {
  contextName: string
  server: string
  /** Base64 PEM, exactly as in kubeadm's admin.conf. */
  certificateAuthorityData: string
  clientCertificateData: string
  clientKeyData: string
}

export interface AdminCredentials {
  server: string
  certificateAuthorityData: string
  clientCertificateData: string
  clientKeyData: string
}

type YamlMap = Record<string, unknown>
type NamedList = 'clusters' | 'users' | 'contexts'

// CORE keeps timestamps and the like as the strings they were (the default
// schema would turn `expiry: 2024-01-01` into a Date and rewrite it); merge
// keys are still resolved. Dumping with the default schema quotes any string
// that another YAML reader could take for a non-string.
// @types/js-yaml does not declare the `types` export js-yaml 4 has.
const {merge} = (yaml as unknown as {types: {merge: yaml.Type}}).types
const LOAD_SCHEMA = yaml.CORE_SCHEMA.extend([merge])

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseYaml(text: string, source: string): YamlMap {
  let doc: unknown
  try {
    doc = yaml.load(text, {schema: LOAD_SCHEMA, filename: source})
  } catch (error) {
    throw new InvalidInputError([{field: source, message: `is not valid YAML, leaving it untouched: ${(error as Error).message.split('\n')[0]}`}])
  }
  if (doc === undefined || doc === null) return {}
  if (!isMap(doc)) throw new InvalidInputError([{field: source, message: 'is not a kubeconfig: the document is not a mapping; leaving it untouched'}])
  return doc
}

function listOf(config: YamlMap, key: NamedList, source: string): unknown[] {
  const value = config[key]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new InvalidInputError([{field: source, message: `is not a kubeconfig: "${key}" is not a list; leaving it untouched`}])
  return value
}

function nameOf(entry: unknown): unknown {
  return isMap(entry) ? entry.name : undefined
}

/** Replaces the entries named like `entry` in place (first one wins the position), or appends it. */
function upsert(config: YamlMap, key: NamedList, entry: YamlMap, source: string): void {
  const list = listOf(config, key, source)
  const index = list.findIndex((e) => nameOf(e) === entry.name)
  if (index === -1) {
    config[key] = [...list, entry]
    return
  }
  config[key] = list.flatMap((e, i) => (i === index ? [entry] : nameOf(e) === entry.name ? [] : [e]))
}

function removeNamed(config: YamlMap, key: NamedList, name: string, source: string): boolean {
  if (!(key in config)) return false
  const list = listOf(config, key, source)
  const kept = list.filter((e) => nameOf(e) !== name)
  if (kept.length === list.length) return false
  config[key] = kept
  return true
}

function serialize(config: YamlMap): string {
  // lineWidth -1: never fold the long base64 certificate lines.
  return yaml.dump(config, {lineWidth: -1, noRefs: true, schema: yaml.DEFAULT_SCHEMA})
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Follows a symlinked kubeconfig (dotfile managers) so we replace the target, not the link. */
async function writeTarget(file: string): Promise<string> {
  try {
    return await fs.realpath(file)
  } catch {
    return file
  }
}

/** Writes via a temp file in the same directory + fsync + rename, so readers see the old or the new file, never half of one. */
export async function writeFileAtomic(file: string, content: string, mode = 0o600): Promise<void> {
  const target = await writeTarget(file)
  const dir = path.dirname(target)
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await fs.open(temp, 'wx', mode)
  try {
    try {
      await handle.writeFile(content)
      await handle.chmod(mode) // the umask may have narrowed or the open mode been ignored
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(temp, target)
  } catch (error) {
    await fs.rm(temp, {force: true})
    throw error
  }
  // Persist the rename itself; not every platform lets a directory be fsynced.
  try {
    const dirHandle = await fs.open(dir, 'r')
    try {
      await dirHandle.sync()
    } finally {
      await dirHandle.close()
    }
  } catch {
    // best effort
  }
}

/** Reads the single cluster and user of a kubeadm admin.conf. */
export function parseAdminKubeconfig(yamlText: string): AdminCredentials {
  const source = 'admin.conf'
  const config = parseYaml(yamlText, source)
  const problems: {field: string; message: string}[] = []
  const pick = (key: 'clusters' | 'users', wanted: unknown): YamlMap | undefined => {
    const list = Array.isArray(config[key]) ? (config[key] as unknown[]).filter(isMap) : []
    if (list.length === 0) {
      problems.push({field: `${source} ${key}`, message: 'has no entry'})
      return undefined
    }
    // kubeadm writes one of each; if there are more, follow the current context.
    return (list.length > 1 ? list.find((e) => e.name === wanted) : undefined) ?? list[0]
  }
  const contexts = Array.isArray(config.contexts) ? (config.contexts as unknown[]).filter(isMap) : []
  const current = contexts.find((c) => c.name === config['current-context'])?.context
  const cluster = pick('clusters', isMap(current) ? current.cluster : undefined)
  const user = pick('users', isMap(current) ? current.user : undefined)
  const field = (entry: YamlMap | undefined, inner: 'cluster' | 'user', key: string): string => {
    if (!entry) return ''
    const body = entry[inner]
    const value = isMap(body) ? body[key] : undefined
    if (typeof value === 'string' && value !== '') return value
    problems.push({field: `${source} ${inner}.${key}`, message: 'is missing or empty'})
    return ''
  }
  const credentials: AdminCredentials = {
    server: field(cluster, 'cluster', 'server'),
    certificateAuthorityData: field(cluster, 'cluster', 'certificate-authority-data'),
    clientCertificateData: field(user, 'user', 'client-certificate-data'),
    clientKeyData: field(user, 'user', 'client-key-data'),
  }
  if (problems.length > 0) throw new InvalidInputError(problems)
  return credentials
}

/** The cluster, user and context of one cluster, all named access.contextName: what merge writes and render prints. */
function entriesOf(access: ClusterAccess): {cluster: YamlMap; user: YamlMap; context: YamlMap} {
  const name = access.contextName
  return {
    cluster: {name, cluster: {server: access.server, 'certificate-authority-data': access.certificateAuthorityData}},
    user: {name, user: {'client-certificate-data': access.clientCertificateData, 'client-key-data': access.clientKeyData}},
    context: {name, context: {cluster: name, user: name}},
  }
}

/** A kubeconfig of this cluster alone, its context current: the same entries a merge writes. */
export function renderKubeconfig(access: ClusterAccess): string {
  const {cluster, user, context} = entriesOf(access)
  return serialize({apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [cluster], users: [user], contexts: [context], 'current-context': access.contextName})
}

/**
 * Adds or replaces the cluster, user and context named access.contextName,
 * keeping every other entry and top-level field; creates the file if needed.
 * Returns the context that was current before, so a rollback can restore it.
 */
export async function mergeKubeconfig(file: string, access: ClusterAccess, options: {setCurrent: boolean}): Promise<{previousContext?: string}> {
  await fs.mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  return withFileLock(file, async () => {
    const text = await readIfExists(file)
    const config: YamlMap =
      text === undefined ? {apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [], users: [], contexts: []} : parseYaml(text, file)
    config.apiVersion ??= 'v1'
    config.kind ??= 'Config'
    const name = access.contextName
    const entries = entriesOf(access)
    upsert(config, 'clusters', entries.cluster, file)
    upsert(config, 'users', entries.user, file)
    upsert(config, 'contexts', entries.context, file)
    const previous = config['current-context']
    if (options.setCurrent) config['current-context'] = name
    await writeFileAtomic(file, serialize(config))
    return typeof previous === 'string' && previous !== '' && previous !== name ? {previousContext: previous} : {}
  })
}

/**
 * Removes the cluster, user and context named contextName. When current-context
 * pointed there it becomes `restoreCurrent` if that context still exists, else
 * it is unset. Returns false, without touching anything, when the file or the
 * entries do not exist.
 */
export async function removeFromKubeconfig(file: string, contextName: string, options: {restoreCurrent?: string} = {}): Promise<boolean> {
  // No directory means no file; do not create one just to hold a lock.
  if ((await readIfExists(file)) === undefined) return false
  return withFileLock(file, async () => {
    const text = await readIfExists(file)
    if (text === undefined) return false
    const config = parseYaml(text, file)
    const removedCluster = removeNamed(config, 'clusters', contextName, file)
    const removedUser = removeNamed(config, 'users', contextName, file)
    const removedContext = removeNamed(config, 'contexts', contextName, file)
    if (!removedCluster && !removedUser && !removedContext) return false
    if (config['current-context'] === contextName) {
      const restore = options.restoreCurrent
      const stillThere = restore !== undefined && listOf(config, 'contexts', file).some((c) => nameOf(c) === restore)
      if (stillThere) config['current-context'] = restore
      else delete config['current-context']
    }
    await writeFileAtomic(file, serialize(config))
    return true
  })
}

/** Parsed kubeconfig, or undefined when the file does not exist. */
export async function readKubeconfig(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await readIfExists(file)
  return text === undefined ? undefined : parseYaml(text, file)
}

export async function readCurrentContext(file: string): Promise<string | undefined> {
  const config = await readKubeconfig(file)
  const current = config?.['current-context']
  return typeof current === 'string' && current !== '' ? current : undefined
}

/** Names of the contexts in a kubeconfig file (empty when it does not exist). */
export async function listContextNames(file: string): Promise<string[]> {
  const config = await readKubeconfig(file)
  if (!config) return []
  return listOf(config, 'contexts', file)
    .map(nameOf)
    .filter((n): n is string => typeof n === 'string')
}

/**
 * The server and credentials a context of the file names, or undefined when the
 * file, the context or one of its parts is missing or uses another kind of
 * credential (a token, a file path). Never writes.
 */
export async function readContextAccess(file: string, contextName: string): Promise<ClusterAccess | undefined> {
  let config: YamlMap | undefined
  try {
    config = await readKubeconfig(file)
  } catch {
    return undefined
  }
  if (!config) return undefined
  const entry = (key: NamedList, name: unknown) => {
    const found = (Array.isArray(config[key]) ? (config[key] as unknown[]) : []).find((e) => isMap(e) && e.name === name)
    return isMap(found) ? found : undefined
  }
  const context = entry('contexts', contextName)?.context
  if (!isMap(context)) return undefined
  const cluster = entry('clusters', context.cluster)?.cluster
  const user = entry('users', context.user)?.user
  if (!isMap(cluster) || !isMap(user)) return undefined
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
  const server = text(cluster.server)
  const certificateAuthorityData = text(cluster['certificate-authority-data'])
  const clientCertificateData = text(user['client-certificate-data'])
  const clientKeyData = text(user['client-key-data'])
  if (!server || !certificateAuthorityData || !clientCertificateData || !clientKeyData) return undefined
  return {contextName, server, certificateAuthorityData, clientCertificateData, clientKeyData}
}
