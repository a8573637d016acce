// A config file → a validated cluster spec, in the order kind and k3d use:
// read the apiVersion, decode strictly, convert to our version, default,
// validate. Every problem of the file is reported at once, in one
// InvalidInputError; warnings travel with the result.
import {readFile} from 'node:fs/promises'
import {InvalidInputError, type InputProblem} from '../errors/index.js'
import {withDefaults, type FileSpec} from './config-defaults.js'
import {validateConfig} from './config-validate.js'
import {readHostFacts, type HostFacts} from './host-facts.js'
import {decodeStrict, isPlainObject, type RootSchema} from './json-schema.js'
import {KIND_V1ALPHA4_API_VERSION, KIND_V1ALPHA4_SCHEMA, kindV1alpha4ToV1alpha1} from './kind-v1alpha4.js'
import {nearestName} from './nearest-name.js'
import {notYetAppliedWarnings} from './not-yet-applied.js'
import {CLUSTER_KIND, V1ALPHA1_API_VERSION, V1ALPHA1_SCHEMA, type V1alpha1Cluster} from './v1alpha1.js'
import {parseYamlDocument} from './yaml-text.js'

export type {FileSpec} from './config-defaults.js'

/** A field kcluster will not honour as the file asks, and why. */
export type ConfigWarning = InputProblem

/** A config file read, migrated and validated: its cluster spec and what it asked that kcluster does not honour. */
export interface LoadedClusterConfig {
  /** The file's path, or "stdin". */
  source: string
  /** The apiVersion the file was written in. */
  apiVersion: string
  spec: FileSpec
  warnings: ConfigWarning[]
}

export interface ParseOptions {
  /** Named in YAML errors; default "config". */
  source?: string
  /** Relative host paths of mounts are taken from here. */
  cwd?: string
  host?: HostFacts
}

const VERSIONS: Record<string, {schema: RootSchema; toV1alpha1: (decoded: V1alpha1Cluster) => {cluster: V1alpha1Cluster; warnings: InputProblem[]; problems: InputProblem[]}}> = {
  [V1ALPHA1_API_VERSION]: {schema: V1ALPHA1_SCHEMA, toV1alpha1: (cluster) => ({cluster, warnings: [], problems: []})},
  [KIND_V1ALPHA4_API_VERSION]: {schema: KIND_V1ALPHA4_SCHEMA, toV1alpha1: kindV1alpha4ToV1alpha1},
}

/** Parses, converts, defaults and validates a config file's text; throws InvalidInputError with every problem. */
export function parseClusterConfig(text: string, options: ParseOptions = {}): LoadedClusterConfig {
  const source = options.source ?? 'config'
  const value = parseYamlDocument(text, source)
  const apiVersion = readTypeMeta(value, source)
  const version = VERSIONS[apiVersion]!
  const decoded = decodeStrict(value, version.schema)
  const converted = version.toV1alpha1(decoded.value as V1alpha1Cluster)
  const defaulted = withDefaults(converted.cluster, options.cwd ?? process.cwd())
  const validated = validateConfig(defaulted, options.host ?? readHostFacts())
  const problems = unique([...decoded.problems, ...converted.problems, ...validated.problems])
  if (problems.length > 0) throw new InvalidInputError(problems)
  return {source, apiVersion, spec: defaulted.spec, warnings: [...converted.warnings, ...validated.warnings, ...notYetAppliedWarnings(defaulted.spec)]}
}

export interface ConfigSources {
  readFile?: (path: string) => Promise<string>
  readStdin?: () => Promise<string>
  cwd?: string
  host?: HostFacts
}

/** Reads a config file (`-`: standard input) and parses it. */
export async function loadClusterConfig(file: string, sources: ConfigSources = {}): Promise<LoadedClusterConfig> {
  const fromStdin = file === '-'
  let text: string
  try {
    text = fromStdin ? await (sources.readStdin ?? readStdin)() : await (sources.readFile ?? ((p: string) => readFile(p, 'utf8')))(file)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((error as Error).message ?? error)
    throw new InvalidInputError([{field: 'config', message: `cannot read ${fromStdin ? 'standard input' : file}: ${reason}`}])
  }
  return parseClusterConfig(text, {source: fromStdin ? 'stdin' : file, cwd: sources.cwd, host: sources.host})
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

/** Which version the file is written in; wrong or missing apiVersion and kind are reported together. */
function readTypeMeta(value: unknown, source: string): string {
  if (value === undefined || value === null) {
    throw new InvalidInputError([{field: source, message: `is empty: a config file starts with apiVersion: ${V1ALPHA1_API_VERSION} and kind: ${CLUSTER_KIND}`}])
  }
  if (!isPlainObject(value)) throw new InvalidInputError([{field: source, message: 'must be a mapping with apiVersion, kind and the cluster fields'}])
  const known = Object.keys(VERSIONS)
  const problems: InputProblem[] = []
  const {apiVersion, kind} = value
  if (typeof apiVersion !== 'string' || !known.includes(apiVersion)) {
    const near = typeof apiVersion === 'string' ? nearestName(apiVersion, known) : undefined
    const got = apiVersion === undefined ? 'missing' : `unknown ${JSON.stringify(apiVersion)}`
    problems.push({field: 'apiVersion', message: `${got}: kcluster reads ${known.join(' and ')}${near ? `; did you mean ${near}?` : ''}`})
  }
  if (kind !== CLUSTER_KIND) problems.push({field: 'kind', message: `must be ${CLUSTER_KIND} (got ${kind === undefined ? 'nothing' : JSON.stringify(kind)})`})
  if (problems.length > 0) throw new InvalidInputError(problems)
  return apiVersion as string
}

function unique(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${p.field}\n${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
