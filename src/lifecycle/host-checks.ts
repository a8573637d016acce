// What breaks clusters on real machines, decided from facts gathered
// elsewhere: each check is a pure function of those facts, so every decision
// is tested with made-up machines. `kcluster doctor` runs them all; `create`
// runs the cheap ones (inotify, disk, host ports) before it creates anything
// and fails with the same words.
import {PROXY_VARIABLES, proxyVariable, redactProxyUrl} from '../config/proxy.js'
import type {InputProblem} from '../errors/index.js'
import type {PortMapping} from '../plan/plan-cluster.js'
import type {EngineFacts, MachineFacts, SecurityMode} from '../provider/types.js'

/** How a doctor check came out: fine, a warning, or a failure that stops a create. */
export type CheckStatus = 'ok' | 'warn' | 'fail'
/** The checks of `kcluster doctor`, in the order they run. */
export type CheckId = 'docker' | 'security-mode' | 'inotify' | 'disk' | 'host-ports' | 'proxy'

/** One check of `kcluster doctor`: what it found and, for a problem, what fixes it. */
export interface HostCheck {
  id: CheckId
  status: CheckStatus
  /** One sentence: what was found. */
  summary: string
  details?: Record<string, unknown>
  /** The command (or change) that fixes a warning or failure. */
  fix?: string
}

export interface ClusterShape {
  controlPlanes: number
  workers: number
}

export function shapeOf(spec: {nodes: {role: string}[]}): ClusterShape {
  const controlPlanes = spec.nodes.filter((n) => n.role === 'control-plane').length
  return {controlPlanes, workers: spec.nodes.length - controlPlanes}
}

/** What create checks of the machine itself, before it creates anything: cheap, no probe containers. */
export function createChecks(engine: EngineFacts, shape: ClusterShape): HostCheck[] {
  return [inotifyCheck(engine.machine?.inotify, shape), diskCheck(engine.machine?.disk, shape)]
}

/** "1 node needs", "4 nodes (…) need". */
function needs(shape: ClusterShape): string {
  return `${describeShape(shape)} ${shape.controlPlanes + shape.workers === 1 ? 'needs' : 'need'}`
}

export function describeShape(shape: ClusterShape): string {
  const nodes = shape.controlPlanes + shape.workers
  if (nodes === 1) return '1 node'
  const part = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
  return `${nodes} nodes (${part(shape.controlPlanes, 'control plane')}, ${part(shape.workers, 'worker')})`
}

export const notChecked = (id: CheckId, why: string): HostCheck => ({id, status: 'warn', summary: `not checked: ${why}`})

// --- Docker ---------------------------------------------------------------

/** Older engines were never tried. */
const TESTED_DOCKER = [20, 10] as const

export function dockerCheck(engine: EngineFacts | {unreachable: string}): HostCheck {
  if ('unreachable' in engine) {
    const denied = /EACCES|permission denied/i.test(engine.unreachable)
    return {
      id: 'docker',
      status: 'fail',
      summary: `cannot reach the Docker engine: ${engine.unreachable}`,
      fix: denied
        ? 'sudo usermod -aG docker "$USER"   # then log in again (or run kcluster with sudo)'
        : 'sudo systemctl start docker   # without an init system: sudo dockerd >/var/log/dockerd.log 2>&1 &   (a remote or rootless engine: export DOCKER_HOST=…)',
    }
  }
  const cgroups = engine.cgroupVersion ? `cgroup v${engine.cgroupVersion}${engine.cgroupDriver ? ` (${engine.cgroupDriver} driver)` : ''}` : 'cgroup version unknown'
  const summary = `Docker ${engine.version || '(version unknown)'}${engine.os ? ` on ${engine.os}` : ''}, ${cgroups}, storage ${engine.storageDriver || 'unknown'}, root ${engine.rootDir || 'unknown'}`
  const details = {version: engine.version, os: engine.os, kernelVersion: engine.kernelVersion, cgroupVersion: engine.cgroupVersion, cgroupDriver: engine.cgroupDriver, storageDriver: engine.storageDriver, rootDir: engine.rootDir, rootless: engine.rootless}
  const [major = 0, minor = 0] = (engine.version.match(/^(\d+)\.(\d+)/) ?? []).slice(1).map(Number)
  if (major < TESTED_DOCKER[0] || (major === TESTED_DOCKER[0] && minor < TESTED_DOCKER[1])) {
    return {id: 'docker', status: 'warn', summary: `${summary}: older than ${TESTED_DOCKER.join('.')}, the oldest engine kcluster is tested with`, details, fix: 'sudo apt-get install docker.io   # or your distribution\'s current Docker engine'}
  }
  if (engine.storageDriver === 'vfs') {
    return {id: 'docker', status: 'warn', summary: `${summary}: the vfs storage driver copies every image whole for each container, so nodes start slowly and take much disk`, details, fix: 'configure overlay2 in /etc/docker/daemon.json ({"storage-driver": "overlay2"}) and restart the engine'}
  }
  if (engine.rootless) {
    return {id: 'docker', status: 'warn', summary: `${summary}: a rootless engine may not give nodes the privileges systemd, kubelet and nested containers need (untested)`, details, fix: 'use the system engine: unset DOCKER_HOST (or export DOCKER_HOST=unix:///var/run/docker.sock)'}
  }
  return {id: 'docker', status: 'ok', summary, details}
}

// --- --privileged ---------------------------------------------------------

export type SecurityProbe = {mode: SecurityMode; image: string} | {skipped: string} | {error: string}

export function securityModeCheck(probe: SecurityProbe): HostCheck {
  if ('skipped' in probe) return {id: 'security-mode', status: 'warn', summary: `--privileged not probed: ${probe.skipped}; create probes it itself`, fix: 'kcluster build node-image   # then run kcluster doctor again'}
  if ('error' in probe) return {id: 'security-mode', status: 'fail', summary: `a probe container did not start: ${probe.error}`, fix: 'docker info; docker run --rm --privileged <image> true   # then read the engine\'s log'}
  const details = {mode: probe.mode, probedWith: probe.image}
  if (probe.mode === 'privileged') return {id: 'security-mode', status: 'ok', summary: '--privileged works: nodes run privileged', details}
  return {
    id: 'security-mode',
    status: 'ok',
    summary: '--privileged is refused by this engine (its capability bounding set lacks CAP_SYS_RESOURCE): nodes run in restricted mode (every capability but SYS_RESOURCE, seccomp and AppArmor unconfined, /dev/kmsg passed in)',
    details,
  }
}

// --- inotify --------------------------------------------------------------

// The limits are per user across the whole machine: every node's root
// processes count against the host root's. Measured in a cluster of one
// control plane and one worker right after create, with its system pods
// (2026-11-26): control plane 25 instances (kubelet 7, kube-controller-manager
// 7, kube-apiserver 6, systemd 5, containerd, kube-proxy, dbus, logind) and
// about 230 watches; worker 12 instances and about 190 watches (most of them
// kubelet's cAdvisor, one a cgroup folder, growing with pods). The budget
// adds a little for short-lived tools (kubectl, systemctl) and the host's own
// root processes: below it, create fails; below twice it (room for workloads
// and other clusters), a warning.
export const INOTIFY_BUDGET = {
  instances: {controlPlane: 28, worker: 14, host: 8},
  watches: {perNode: 512, host: 1024},
} as const
/** What kind recommends too; more is harmless. */
const RECOMMENDED_INOTIFY = {instances: 512, watches: 524288}

export function inotifyNeed(shape: ClusterShape): {instances: number; watches: number} {
  const {instances, watches} = INOTIFY_BUDGET
  return {
    instances: instances.host + shape.controlPlanes * instances.controlPlane + shape.workers * instances.worker,
    watches: watches.host + (shape.controlPlanes + shape.workers) * watches.perNode,
  }
}

export function inotifyCheck(limits: MachineFacts['inotify'], shape: ClusterShape): HostCheck {
  const need = inotifyNeed(shape)
  const recommended = {instances: Math.max(RECOMMENDED_INOTIFY.instances, roundUp(2 * need.instances, 128)), watches: Math.max(RECOMMENDED_INOTIFY.watches, roundUp(2 * need.watches, 65536))}
  const sysctl = (names: ('instances' | 'watches')[]) => {
    const settings = names.map((n) => `fs.inotify.max_user_${n}=${recommended[n]}`)
    return `sudo sysctl -w ${settings.join(' ')}   # to keep it after a reboot: printf '%s\\n' ${settings.join(' ')} | sudo tee /etc/sysctl.d/99-kcluster.conf`
  }
  if (!limits) return {id: 'inotify', status: 'warn', summary: `cannot read the inotify limits of the engine's machine (a remote engine or a VM); ${needs(shape)} fs.inotify.max_user_instances ≥ ${need.instances} and max_user_watches ≥ ${need.watches} there`, details: {need}, fix: `on the engine's machine: ${sysctl(['instances', 'watches'])}`}
  const details = {maxUserInstances: limits.maxUserInstances, maxUserWatches: limits.maxUserWatches, need}
  const short = (['instances', 'watches'] as const).filter((n) => limitOf(limits, n) < need[n])
  if (short.length > 0) {
    const what = short.map((n) => `fs.inotify.max_user_${n} is ${limitOf(limits, n)}, below the ${need[n]} that ${needs(shape)}`).join('; ')
    return {id: 'inotify', status: 'fail', summary: `${what} (kubelet, containerd and the control plane fail with "too many open files")`, details, fix: sysctl(short)}
  }
  const tight = (['instances', 'watches'] as const).filter((n) => limitOf(limits, n) < 2 * need[n])
  const found = `fs.inotify.max_user_instances ${limits.maxUserInstances}, max_user_watches ${limits.maxUserWatches}`
  if (tight.length > 0) return {id: 'inotify', status: 'warn', summary: `${found}: enough for ${describeShape(shape)}, which ${needs(shape).endsWith('needs') ? 'needs' : 'need'} ${need.instances} and ${need.watches}, but with little room for workloads or other clusters`, details, fix: sysctl(tight)}
  return {id: 'inotify', status: 'ok', summary: `${found}: enough for ${describeShape(shape)}, which ${needs(shape).endsWith('needs') ? 'needs' : 'need'} ${need.instances} and ${need.watches}`, details}
}

const limitOf = (limits: NonNullable<MachineFacts['inotify']>, name: 'instances' | 'watches') => (name === 'instances' ? limits.maxUserInstances : limits.maxUserWatches)
const roundUp = (value: number, step: number) => Math.ceil(value / step) * step

// --- disk -----------------------------------------------------------------

const GiB = 2 ** 30
// Measured (2026-11-26): a control plane's /var volume holds 0.15 GB right
// after create (the preloaded images stay in the node image, 1 GB, shared by
// every node); it grows with etcd, logs, pods' writable layers and images
// loaded with `load image`, so a node gets 1 GiB. A cold build of the node
// image filled the Go caches with 5.1 GB (modules) and 5.6 GB (builds) and
// left about 3 GB of images.
export const DISK_BUDGET = {perNode: 1 * GiB, nodeImageBuild: 12 * GiB} as const

export function diskNeed(shape: ClusterShape, nodeImageMissing: boolean): number {
  return (shape.controlPlanes + shape.workers) * DISK_BUDGET.perNode + (nodeImageMissing ? DISK_BUDGET.nodeImageBuild : 0)
}

export function diskCheck(disk: MachineFacts['disk'], shape: ClusterShape, nodeImageMissing = false): HostCheck {
  const need = diskNeed(shape, nodeImageMissing)
  const what = nodeImageMissing ? `${describeShape(shape)} and a build of the node image need about ${gib(need)}` : `${needs(shape)} about ${gib(need)}`
  if (!disk) return {id: 'disk', status: 'warn', summary: `cannot see the free space of Docker's root folder from here (a remote engine or a VM); ${what}`, details: {needBytes: need}, fix: 'docker system df   # on the engine\'s machine: df -h "$(docker info -f {{.DockerRootDir}})"'}
  const details = {path: disk.path, availableBytes: disk.availableBytes, totalBytes: disk.totalBytes, needBytes: need}
  const free = `${gib(disk.availableBytes)} free on ${disk.path} (Docker's root folder)`
  const fix = `docker system df   # what uses the space; then free some: docker system prune, or delete unused clusters (kcluster list) and images (docker image prune -a), or move Docker's root folder to a larger filesystem`
  if (disk.availableBytes < need) return {id: 'disk', status: 'fail', summary: `only ${free}; ${what}`, details, fix}
  if (disk.availableBytes < 2 * need) return {id: 'disk', status: 'warn', summary: `${free}; ${what}, leaving little room for logs, volumes and images`, details, fix}
  return {id: 'disk', status: 'ok', summary: `${free}; ${what}`, details}
}

const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`

// --- host ports -----------------------------------------------------------

/** The words `create` and `doctor` both use for a host port something holds. */
export function hostPortProblem(port: PortMapping, holder: string): InputProblem {
  return {field: port.field ?? 'ports', message: `host port ${port.hostAddress}:${port.hostPort}/${port.protocol} is already in use by ${holder}; free it or choose another port`}
}

/** A command that frees a port held by `holder` (as Provider.portHolder describes it). */
function freeingCommand(port: PortMapping, holder: string): string {
  const container = holder.match(/^container (\S+)$/)?.[1]
  if (container) return `docker stop ${container}`
  const pid = holder.match(/\bpid (\d+)\)$/)?.[1]
  if (pid) return `kill ${pid}`
  return `ss -lnp 'sport = :${port.hostPort}'   # names what holds it`
}

/** `ports` are the host ports the config fixes (0, chosen at create, are left out); holder undefined: free. */
export function hostPortsCheck(ports: {port: PortMapping; holder?: string}[]): HostCheck {
  if (ports.length === 0) return {id: 'host-ports', status: 'ok', summary: 'no fixed host ports asked (the API server\'s is chosen at create)'}
  const details = {ports: ports.map(({port, holder}) => ({hostAddress: port.hostAddress, hostPort: port.hostPort, protocol: port.protocol, field: port.field ?? null, holder: holder ?? null}))}
  const taken = ports.filter((p) => p.holder !== undefined)
  const named = (p: PortMapping) => `${p.hostAddress}:${p.hostPort}/${p.protocol}`
  if (taken.length === 0) return {id: 'host-ports', status: 'ok', summary: `free: ${ports.map((p) => named(p.port)).join(', ')}`, details}
  return {
    id: 'host-ports',
    status: 'fail',
    summary: taken.map(({port, holder}) => {
      const problem = hostPortProblem(port, holder!)
      return `${problem.field}: ${problem.message}`
    }).join('; '),
    details,
    fix: taken.map(({port, holder}) => `${freeingCommand(port, holder!)}   # or set ${port.field ?? 'the port'} to another port (0: one chosen at create)`).join('\n'),
  }
}

// --- proxy ----------------------------------------------------------------

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i
const SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks5h:'])

/** The proxy variables of the environment create would run in, as nodes would see them. */
export function proxyCheck(env: NodeJS.ProcessEnv): HostCheck {
  const problems: {status: CheckStatus; text: string; fix: string}[] = []
  const chosen: Record<string, string> = {}
  for (const [key, names] of Object.entries(PROXY_VARIABLES)) {
    const found = proxyVariable(env, names)
    if (!found) continue
    chosen[key] = found.value
    const [upper, lower] = names
    const upperValue = env[upper]?.trim()
    const lowerValue = env[lower]?.trim()
    if (upperValue && lowerValue && upperValue !== lowerValue) problems.push({status: 'warn', text: `${upper} and ${lower} differ; nodes get ${upper}'s`, fix: `export ${lower}="$${upper}"`})
  }
  const proxies = (['httpProxy', 'httpsProxy'] as const).filter((key) => chosen[key] !== undefined)
  const details = Object.fromEntries(Object.entries(chosen).map(([key, value]) => [key, key === 'noProxy' ? value : redactProxyUrl(value)]))
  if (proxies.length === 0) return {id: 'proxy', status: 'ok', summary: chosen.noProxy ? 'NO_PROXY is set, but no proxy: nodes get none' : 'no proxy set: nodes get none', ...(chosen.noProxy ? {details} : {})}
  for (const key of proxies) {
    const name = key === 'httpProxy' ? 'HTTP_PROXY' : 'HTTPS_PROXY'
    const value = chosen[key]!
    let url: URL | undefined
    try {
      // Like Go, a value without a scheme means http.
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`)
    } catch {
      // Reported below.
    }
    if (!url || !url.hostname || !SCHEMES.has(url.protocol)) {
      problems.push({status: 'fail', text: `${name}=${redactProxyUrl(value)} is not a proxy URL (http://, https:// or socks5://host:port): every request from a node to the outside fails`, fix: `export ${name}=http://<proxy host>:<port>`})
    } else if (LOOPBACK.test(url.hostname)) {
      problems.push({status: 'warn', text: `${name} points at this machine's loopback (${url.hostname}), which nodes cannot reach: their pulls fail`, fix: `make the proxy listen on the Docker bridge too (ip -4 addr show docker0 gives its address), then: export ${name}=${url.protocol}//<that address>:${url.port || '<port>'}`})
    }
  }
  const noProxy = (chosen.noProxy ?? '').split(',').map((e) => e.trim())
  const missing = ['localhost', '127.0.0.1'].filter((entry) => !noProxy.includes(entry))
  if (missing.length > 0) problems.push({status: 'warn', text: `NO_PROXY lacks ${missing.join(' and ')}: tools on this machine may send requests for the cluster's API server (https://127.0.0.1:<port>) to the proxy (nodes get them added)`, fix: `export NO_PROXY="${[...noProxy.filter(Boolean), ...missing].join(',')}" no_proxy="${[...noProxy.filter(Boolean), ...missing].join(',')}"`})
  const set = proxies.map((key) => `${key === 'httpProxy' ? 'HTTP_PROXY' : 'HTTPS_PROXY'}=${redactProxyUrl(chosen[key]!)}`).join(', ')
  const status: CheckStatus = problems.some((p) => p.status === 'fail') ? 'fail' : problems.length > 0 ? 'warn' : 'ok'
  const summary = problems.length > 0 ? `${set}: ${problems.map((p) => p.text).join('; ')}` : `${set}: nodes get it, with NO_PROXY extended by the cluster's own names, addresses and subnets`
  return {id: 'proxy', status, summary, details, ...(problems.length > 0 ? {fix: problems.map((p) => p.fix).join('\n')} : {})}
}
