// The one place the Go version is written. Debian bookworm's Go only
// bootstraps: the go command then fetches the toolchain below as a module.

/** The toolchain every Go build runs with (GOTOOLCHAIN). */
export const GO_TOOLCHAIN = 'go1.24.13'
/**
 * kine (the light profile's datastore) asks for a newer Go than Kubernetes 1.34 builds with: every kine
 * release the module proxy serves here (v0.16.5 and later) needs Go 1.25 or later, v0.17.5 Go 1.26.5.
 * Only kine's build fetches it, the first time a light cluster is created.
 */
export const KINE_GO_TOOLCHAIN = 'go1.26.5'
/** Debian's Go that starts the go command (bookworm-backports has no newer one). */
export const DEBIAN_BOOTSTRAP_GO = '1.23'

/** The `go` directive of the modules we write: the toolchain's language version, e.g. 1.24.0. */
export function goDirective(toolchain = GO_TOOLCHAIN): string {
  const match = /^go(\d+)\.(\d+)/.exec(toolchain)
  if (!match) throw new Error(`not a Go toolchain name: ${toolchain}`)
  return `${match[1]}.${match[2]}.0`
}

export function debianGoPackage(version = DEBIAN_BOOTSTRAP_GO): string {
  return `golang-${version}-go`
}

/** Where Debian installs the go command of that package. */
export function debianGoBin(version = DEBIAN_BOOTSTRAP_GO): string {
  return `/usr/lib/go-${version}/bin`
}
