// Recipe kind: a build script run inside the builder image whose output
// folder becomes an image of its own (from scratch). Go's module and build
// caches live in Docker volumes shared by every such recipe, so only the first
// build is cold.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {RECIPE_LABEL} from '../../provider/image-builder.js'
import {GO_TOOLCHAIN, goDirective} from '../go-toolchain.js'
import {identityOf, type ImageRecipe, type RecipeIdentity} from '../recipe.js'

export const GO_CACHE_VOLUMES = {'go-mod': 'kcluster-go-mod', 'go-build': 'kcluster-go-build'} as const
const OUTPUT = '/out'
// Where the go command should fetch from is this machine's business; none of these change what is built.
const PASSED_FROM_HOST = ['GOPROXY', 'GOSUMDB', 'GONOSUMDB', 'GOPRIVATE', 'GOINSECURE']

export interface GoModuleOptions extends RecipeIdentity {
  /** An image with bash, the go command, git and gcc. */
  builder: ImageRecipe
  /** Folder (relative to the root) mounted read-only at /src; it holds the script. */
  source: string
  /** Script in that folder, run by bash with `args`; it writes its results to /out. */
  script: string
  args?: string[]
  /** More environment for the script (GO_VERSION and GOTOOLCHAIN are always set). */
  env?: Record<string, string>
}

export function goModuleRecipe(options: GoModuleOptions): ImageRecipe {
  const env = {GOTOOLCHAIN: GO_TOOLCHAIN, GO_VERSION: goDirective(), SOURCE_DATE_EPOCH: '0', ...options.env}
  const args = options.args ?? []
  return {
    ...identityOf(options),
    dependencies: [options.builder],
    inputs: {
      files: [options.source],
      values: {script: options.script, args: JSON.stringify(args), env: JSON.stringify(env), output: OUTPUT},
      code: [import.meta.url],
    },
    build: async (ctx) => {
      for (const [cache, volume] of Object.entries(GO_CACHE_VOLUMES)) {
        await ctx.builder.ensureVolume(volume, {'io.kcluster.kind': 'cache', 'io.kcluster.cache': cache})
      }
      const ca = hostCaBundle()
      const progress = new BuildProgress(ctx.report)
      await ctx.builder.runToCompletion(
        {
          image: ctx.dependencies[options.builder.id]!,
          entrypoint: ['bash', `/src/${options.script}`],
          command: args,
          env: {...env, ...hostGoEnvironment(), GOMODCACHE: '/go/mod', GOCACHE: '/go/cache'},
          binds: [
            `${GO_CACHE_VOLUMES['go-mod']}:/go/mod`,
            `${GO_CACHE_VOLUMES['go-build']}:/go/cache`,
            `${join(ctx.root, options.source)}:/src:ro`,
            ...(ca ? [`${ca}:/etc/ssl/certs/ca-certificates.crt:ro`] : []),
          ],
          labels: {'io.kcluster.kind': 'builder', [RECIPE_LABEL]: options.id},
          onLine: (line) => progress.line(line),
          signal: ctx.signal,
        },
        {exportDirectory: {path: OUTPUT, reference: ctx.reference, labels: ctx.labels}},
      )
    },
  }
}

/**
 * Turns the script's output into progress: "### " lines name a phase, "#@ packages N"
 * says how many packages the phase's build may compile, and the package paths
 * `go build -v` prints as it compiles are counted against it, with the time
 * left at the rate so far. A warm cache compiles few of them: the count is an
 * upper bound, and the build often ends early.
 */
export class BuildProgress {
  private phase = ''
  private compiled = 0
  private total = 0
  private started = 0
  constructor(
    private readonly report: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  line(line: string): void {
    if (line.startsWith('### ')) {
      this.phase = line.slice(4)
      this.compiled = 0
      this.total = 0
      this.report(this.phase)
    } else if (line.startsWith('#@ packages ')) {
      this.total = Number(line.slice('#@ packages '.length)) || 0
      this.started = this.now()
    } else if (/^[\w.~-]+(\/[\w.~+-]+)*$/.test(line) && ++this.compiled % 25 === 0) {
      this.report(`${this.phase}: ${this.describe()}`)
    }
  }

  private describe(): string {
    if (this.total === 0) return `${this.compiled} packages compiled`
    const done = Math.min(this.compiled, this.total)
    const percent = Math.floor((done / this.total) * 100)
    const elapsed = this.now() - this.started
    const left = done === 0 ? 0 : (elapsed / done) * (this.total - done)
    const minutes = Math.round(left / 60_000)
    return `${done} of ${this.total} packages (${percent}%)${elapsed > 30_000 ? `, about ${minutes < 1 ? 'a minute' : `${minutes} min`} left` : ''}`
  }
}

/** The host's CA bundle, so the builder trusts the same TLS proxies this machine does. */
function hostCaBundle(): string | undefined {
  const candidates = [process.env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']
  return candidates.find((file): file is string => !!file && existsSync(file))
}

function hostGoEnvironment(): Record<string, string> {
  return Object.fromEntries(PASSED_FROM_HOST.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])))
}
