// Recipe kind, in one declaration: "this Go module at this version, these
// build commands, on this base → an image tagged by its input hash". Two
// recipes underneath: the programs compiled in the builder (Go caches shared
// with the node image build, see go-module.ts), then a small image of them.
import {dockerfileRecipe} from './dockerfile.js'
import {goModuleRecipe} from './go-module.js'
import {identityOf, type ImageRecipe, type RecipeIdentity} from '../recipe.js'

export interface GoBinaryImageOptions extends RecipeIdentity {
  /** The Go builder image (goBuilderRecipe). */
  builder: ImageRecipe
  /** Module path, e.g. sigs.k8s.io/metrics-server. */
  module: string
  /** A version the Go module proxy serves, e.g. v0.8.0. */
  version: string
  /** Program name → package inside the module ("./cmd/metrics-server"); each lands in /usr/local/bin. */
  programs: Record<string, string>
  /** -ldflags; `$VERSION` is the version above. Default: -s -w. */
  ldflags?: string
  /** Build tags, space-separated. */
  tags?: string
  /** Link with C (default: static, CGO_ENABLED=0). */
  cgo?: boolean
  /** Shell commands run in the module's source tree before compiling (go generate, a generated file). */
  prepare?: string
  /** Base of the image: another recipe, or "scratch" (the default). */
  base?: ImageRecipe | 'scratch'
  /** ENTRYPOINT as a list. */
  entrypoint: string[]
  /** More Dockerfile lines (USER 65534, EXPOSE 5000, COPY files/... /etc/...). */
  extra?: string[]
  /** Context path → file relative to the root, for COPY lines in `extra`. */
  files?: Record<string, string>
  /**
   * Files of the module's own source tree that the image carries, as the
   * version built ships them (manifests, CRDs): path in the module → absolute
   * path in the image.
   */
  moduleFiles?: Record<string, string>
}

/** Where the compile step leaves `moduleFiles` beside the programs (the n-th file as /files/n). */
const MODULE_FILES_DIR = '/out/files'

/** PREPARE commands that copy the module's files out, after the addon's own. */
export function moduleFilesPrepare(prepare: string | undefined, moduleFiles: Record<string, string>): string {
  const copies = Object.keys(moduleFiles).map((source, i) => `cp -- ${shellQuote(source)} ${MODULE_FILES_DIR}/${i}`)
  if (copies.length === 0) return prepare ?? ''
  return [...(prepare ? [prepare] : []), `mkdir -p ${MODULE_FILES_DIR}`, ...copies].join('\n')
}

/** The COPY lines of the image: each program to /usr/local/bin, each module file to its place. */
export function copyLines(programs: Record<string, string>, moduleFiles: Record<string, string>): string {
  return [
    ...Object.keys(programs).map((name) => `COPY --from=binaries /${name} /usr/local/bin/${name}`),
    ...Object.values(moduleFiles).map((target, i) => {
      if (!target.startsWith('/')) throw new Error(`moduleFiles: ${JSON.stringify(target)} is not an absolute path in the image`)
      return `COPY --from=binaries /files/${i} ${target}`
    }),
  ].join('\n')
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/** The image; its dependencies are the compiled programs, the builder and the base. */
export function goBinaryImageRecipe(options: GoBinaryImageOptions): ImageRecipe {
  const identity = identityOf(options)
  const binaries = goModuleRecipe({
    id: `${options.id}-binaries`,
    title: `Compile ${options.module} ${options.version} from its Go module`,
    repository: `${options.repository}-binaries`,
    tagPrefix: options.tagPrefix ?? options.version,
    root: options.root,
    builder: options.builder,
    source: 'images/go',
    script: 'build-module.sh',
    args: [options.module, options.version, ...Object.entries(options.programs).map(([name, pkg]) => `${name}=${pkg}`)],
    env: {
      LDFLAGS: options.ldflags ?? '-s -w',
      CGO_ENABLED: options.cgo ? '1' : '0',
      TAGS: options.tags ?? '',
      PREPARE: moduleFilesPrepare(options.prepare, options.moduleFiles ?? {}),
    },
  })
  const base = options.base ?? 'scratch'
  return dockerfileRecipe({
    ...identity,
    tagPrefix: options.tagPrefix ?? options.version,
    dockerfile: 'images/dockerfiles/go-binary.Dockerfile',
    images: {BINARIES: binaries, BUILDER: options.builder, ...(base === 'scratch' ? {} : {BASE: base})},
    values: {
      ...(base === 'scratch' ? {BASE: 'scratch'} : {}),
      COPY: copyLines(options.programs, options.moduleFiles ?? {}),
      EXTRA: (options.extra ?? []).join('\n'),
      ENTRYPOINT: JSON.stringify(options.entrypoint),
    },
    copy: options.files,
  })
}
