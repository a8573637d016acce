// Benchmark: create wall time by phase for several cluster shapes (images
// already built), each node's memory after idling, delete, and a warm
// node-image rebuild. With several profiles, their runs alternate, so a change
// of the machine's load falls on both alike; memory is read after every run then.
//   npm run bench -- [--runs N] [--shapes 1,1+2,3+1] [--profiles default,light] [--idle SECONDS] [--skip-build] [--prefix bench]
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {parseArgs} from 'node:util'
import Docker from 'dockerode'
import {defaultNetworking, type ClusterSpec, type NodeRole} from '../src/config/cluster-spec.js'
import type {ClusterProfile} from '../src/config/profile.js'
import {buildNodeImage} from '../src/lifecycle/build-node-image.js'
import {clusterImagesFrom} from '../src/lifecycle/cluster-images.js'
import {createClusterFromSpec} from '../src/lifecycle/create-cluster.js'
import {deleteClusters} from '../src/lifecycle/delete-cluster.js'
import {DockerProvider} from '../src/provider/docker/docker-provider.js'

const {values} = parseArgs({
  options: {
    runs: {type: 'string', default: '3'},
    shapes: {type: 'string', default: '1,1+2,3+1'},
    profiles: {type: 'string', default: 'default'},
    idle: {type: 'string', default: '60'},
    'skip-build': {type: 'boolean', default: false},
    prefix: {type: 'string', default: 'bench'},
  },
})
const profiles = values.profiles!.split(',').map((p) => p.trim()) as ClusterProfile[]
const runs = Number(values.runs)
const idleSeconds = Number(values.idle)
const docker = new Docker()
const provider = new DockerProvider()
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcluster-bench-')), 'config')
const report: Record<string, unknown> = {date: new Date().toISOString(), shapes: {} as Record<string, unknown>}
const seconds = (ms: number) => (ms / 1000).toFixed(1) + 's'

/** "1+2" → one control plane and two workers. */
function shapeSpec(name: string, shape: string, profile: ClusterProfile): ClusterSpec {
  const [controlPlanes, workers = '0'] = shape.split('+')
  const roles: NodeRole[] = [...Array(Number(controlPlanes)).fill('control-plane'), ...Array(Number(workers)).fill('worker')]
  return {name, nodes: roles.map((role) => ({role})), networking: defaultNetworking(), ...(profile === 'default' ? {} : {profile})}
}

/** Memory in use by a container minus reclaimable page cache (cgroup v1 and v2). */
async function memoryMiB(container: string): Promise<{workingSetMiB: number; usageMiB: number}> {
  const stats = (await docker.getContainer(container).stats({stream: false})) as any
  const usage = stats.memory_stats.usage as number
  const s = stats.memory_stats.stats ?? {}
  const reclaimable = s.total_inactive_file ?? s.inactive_file ?? 0
  return {workingSetMiB: Math.round((usage - reclaimable) / 2 ** 20), usageMiB: Math.round(usage / 2 ** 20)}
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

if (!values['skip-build']) {
  const warm = await buildNodeImage({force: true}, {provider})
  report.nodeImageWarmRebuildMs = warm.durationMs
  console.log(`node image warm rebuild (Go caches and base images present): ${seconds(warm.durationMs)}`)
}

for (const shape of values.shapes!.split(',')) {
  const resultsOf = Object.fromEntries(profiles.map((profile) => [profile, [] as Record<string, unknown>[]]))
  console.log(`\n== ${shape}`)
  for (let i = 0; i < runs; i++) for (const profile of profiles) {
    const results = resultsOf[profile]!
    const name = `${values.prefix}-${profile === 'default' ? '' : `${profile}-`}${shape.replace('+', 'p')}-${i}`
    const created = await createClusterFromSpec(shapeSpec(name, shape, profile), {waitMs: 600_000, retain: false, kubeconfigPath: kubeconfig}, {provider, images: clusterImagesFrom(provider)})
    // The machine's load over the last minute as the create ended: figures are comparable only at a like load.
    const run: Record<string, unknown> = {createMs: created.durationMs, phases: created.phases, loadAverage1m: loadavg()[0]}
    console.log(`run ${i + 1}${profiles.length > 1 ? ` (profile ${profile})` : ''}: create to Ready + DNS ${seconds(created.durationMs)} (load average ${loadavg()[0]!.toFixed(1)})`)
    for (const phase of created.phases) console.log(`    ${phase.step.padEnd(60)} ${seconds(phase.durationMs)}`)
    if ((i === 0 || profiles.length > 1) && idleSeconds > 0) {
      await sleep(idleSeconds * 1000)
      const containers = [...created.nodes.map((n) => n.containerName), ...(created.loadBalancer ? [created.loadBalancer.containerName] : [])]
      run.memoryAfterIdle = Object.fromEntries(await Promise.all(containers.map(async (c) => [c, await memoryMiB(c)])))
      console.log(`    memory after ${idleSeconds}s idle: ${JSON.stringify(run.memoryAfterIdle)}`)
    }
    const started = Date.now()
    await deleteClusters({names: [name], kubeconfig}, {provider})
    run.deleteMs = Date.now() - started
    console.log(`    delete: ${seconds(run.deleteMs as number)}`)
    results.push(run)
  }
  for (const profile of profiles) {
    const results = resultsOf[profile]!
    const key = profile === 'default' ? shape : `${shape} ${profile}`
    const creates = results.map((r) => r.createMs as number)
    ;(report.shapes as Record<string, unknown>)[key] = {runs: results, createMedianMs: median(creates), createMinMs: Math.min(...creates), createMaxMs: Math.max(...creates)}
    console.log(`${key}: create median ${seconds(median(creates))} (range ${seconds(Math.min(...creates))}–${seconds(Math.max(...creates))}) over ${runs} run(s)`)
  }
}

mkdirSync('bench/results', {recursive: true})
const file = join('bench/results', `create-${Date.now()}.json`)
writeFileSync(file, JSON.stringify(report, null, 2))
console.log(`written ${file}`)
