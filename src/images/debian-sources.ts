// Where the root filesystem recipes fetch Debian packages: the mirror the user
// names, else the one this machine's apt already uses. None is built in.
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {UsageError} from '../errors/index.js'

/** The Debian release every image is made of: it keeps systemd 252, which still runs on cgroup v1. */
export const DEBIAN_RELEASE = 'bookworm'

export interface DebianMirrors {
  /** Archive of the release, its updates and backports. */
  mirror: string
  /** Archive of the security updates. */
  security: string
}

export interface AptEntry {
  types: string[]
  uris: string[]
  suites: string[]
}

export interface AptSourcesFile {
  name: string
  text: string
}

// Other vendors' repositories (a cloud SDK, a Node.js build) share the files
// with Debian's; only suites Debian itself publishes count.
const DEBIAN_SUITE = /^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable)(-updates|-backports|-backports-sloppy|-security|-proposed-updates)?$/

/** Enabled entries of one apt sources file, in order: deb822 for `*.sources`, one line each for `*.list`. */
export function parseAptSources(file: AptSourcesFile): AptEntry[] {
  return file.name.endsWith('.sources') ? parseDeb822(file.text) : parseOneLine(file.text)
}

function parseOneLine(text: string): AptEntry[] {
  return text.split('\n').flatMap((raw) => {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim()
    const [type, uri, suite] = line.split(/\s+/)
    return type && uri && suite ? [{types: [type], uris: [uri], suites: [suite]}] : []
  })
}

function parseDeb822(text: string): AptEntry[] {
  const entries: AptEntry[] = []
  for (const stanza of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>()
    let last: string | undefined
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue
      if (/^[ \t]/.test(line)) {
        // A continuation line (a key block, a long list) belongs to the field above.
        if (last) fields.set(last, `${fields.get(last)} ${line.trim()}`)
        continue
      }
      const colon = line.indexOf(':')
      if (colon <= 0) continue
      last = line.slice(0, colon).trim().toLowerCase()
      fields.set(last, line.slice(colon + 1).trim())
    }
    const list = (name: string) => (fields.get(name) ?? '').split(/\s+/).filter(Boolean)
    if (/^(no|false)$/i.test(fields.get('enabled') ?? '')) continue
    if (list('types').length && list('uris').length && list('suites').length) entries.push({types: list('types'), uris: list('uris'), suites: list('suites')})
  }
  return entries
}

/** The first Debian archive and the first Debian security archive the entries name, in apt's reading order. */
export function mirrorsFromApt(files: AptSourcesFile[]): Partial<DebianMirrors> {
  const found: Partial<DebianMirrors> = {}
  for (const entry of files.flatMap(parseAptSources)) {
    const uri = entry.uris.find((u) => !u.startsWith('cdrom:'))?.replace(/\/+$/, '')
    const suites = entry.suites.filter((suite) => DEBIAN_SUITE.test(suite))
    if (!uri || !entry.types.includes('deb') || suites.length === 0) continue
    if (suites.every((suite) => suite.endsWith('-security'))) found.security ??= uri
    else found.mirror ??= uri
  }
  return found
}

/** The files apt reads, in its order: sources.list, then sources.list.d alphabetically. */
export function readAptSources(aptDir = '/etc/apt'): AptSourcesFile[] {
  const read = (path: string): AptSourcesFile[] => (existsSync(path) ? [{name: path, text: readFileSync(path, 'utf8')}] : [])
  const partsDir = join(aptDir, 'sources.list.d')
  const parts = existsSync(partsDir) ? readdirSync(partsDir).filter((name) => /\.(list|sources)$/.test(name)).sort() : []
  return [...read(join(aptDir, 'sources.list')), ...parts.flatMap((name) => read(join(partsDir, name)))]
}

/** KCLUSTER_DEBIAN_MIRROR and KCLUSTER_DEBIAN_SECURITY_MIRROR when set, else this machine's apt sources. */
export function debianMirrors(env: NodeJS.ProcessEnv = process.env, aptFiles: () => AptSourcesFile[] = readAptSources): DebianMirrors {
  const fromApt = env.KCLUSTER_DEBIAN_MIRROR ? {} : mirrorsFromApt(aptFiles())
  const mirror = env.KCLUSTER_DEBIAN_MIRROR?.replace(/\/+$/, '') ?? fromApt.mirror
  if (!mirror) {
    throw new UsageError(
      'no Debian package mirror is configured: KCLUSTER_DEBIAN_MIRROR is not set and this machine\'s apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d) name no Debian archive',
      'Set KCLUSTER_DEBIAN_MIRROR to the URL of a Debian archive (e.g. export KCLUSTER_DEBIAN_MIRROR=http://mirror.example.org/debian), and KCLUSTER_DEBIAN_SECURITY_MIRROR if its security archive is not beside it; then run the command again.',
    )
  }
  const security = env.KCLUSTER_DEBIAN_SECURITY_MIRROR?.replace(/\/+$/, '') ?? fromApt.security ?? besideMirror(mirror)
  return {mirror, security}
}

/** Debian's layout: .../debian beside .../debian-security. */
function besideMirror(mirror: string): string {
  if (/\/debian$/.test(mirror)) return `${mirror}-security`
  throw new UsageError(
    `cannot tell where the security archive of the Debian mirror ${mirror} is`,
    'Set KCLUSTER_DEBIAN_SECURITY_MIRROR to the URL of its security archive (usually the mirror URL ending in /debian-security) and run the command again.',
  )
}
