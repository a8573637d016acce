// Benchmark: create wall time by phase (image already built), node memory
// after idling, delete time, and a warm node-image rebuild.
//   npm run bench -- [--runs N] [--idle SECONDS] [--skip-build]
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {parseArgs} from 'node:util'
import Docker from 'dockerode'
import {buildNodeImage} from '../src/lifecycle/build-node-image.js'
import {createCluster} from '../src/lifecycle/create-cluster.js'
import {deleteClusters} from '../src/lifecycle/delete-cluster.js'
import {clusterImagesFrom} from '../src/lifecycle/cluster-images.js'
import {DockerProvider} from '../src/provider/docker/docker-provider.js'

const {values} = parseArgs({options: {runs: {type: 'string', default: '3'}, idle: {type: 'string', default: '60'}, 'skip-build': {type: 'boolean', default: false}}})
const runs = Number(values.runs)
const idleSeconds = Number(values.idle)
const docker = new Docker()
const provider = new DockerProvider()
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcluster-bench-')), 'config')
const report: Record<string, unknown> = {date: new Date().toISOString(), runs: [] as unknown[]}
const seconds = (ms: number) => (ms / 1000).toFixed(1) + 's'

/** Memory in use by the node container minus reclaimable page cache (cgroup v1 and v2). */
async function nodeMemoryMiB(container: string): Promise<{workingSetMiB: number; usageMiB: number}> {
  const stats = (await docker.getContainer(container).stats({stream: false})) as any
  const usage = stats.memory_stats.usage as number
  const s = stats.memory_stats.stats ?? {}
  const reclaimable = s.total_inactive_file ?? s.inactive_file ?? 0
  return {workingSetMiB: Math.round((usage - reclaimable) / 2 ** 20), usageMiB: Math.round(usage / 2 ** 20)}
}

if (!values['skip-build']) {
  const warm = await buildNodeImage({force: true}, {provider})
  report.nodeImageWarmRebuildMs = warm.durationMs
  console.log(`node image warm rebuild (Go caches and rootfs images present): ${seconds(warm.durationMs)}`)
}

for (let i = 0; i < runs; i++) {
  const name = `bench-${i}`
  const created = await createCluster({name, kubeconfig, wait: '5m'}, {provider, images: clusterImagesFrom(provider)})
  const run: Record<string, unknown> = {createMs: created.durationMs, phases: created.phases}
  console.log(`run ${i + 1}: create to Ready + DNS ${seconds(created.durationMs)}`)
  for (const phase of created.phases) console.log(`    ${phase.step.padEnd(60)} ${seconds(phase.durationMs)}`)
  if (i === 0) {
    await sleep(idleSeconds * 1000)
    run.memoryAfterIdle = await nodeMemoryMiB(created.nodes[0]!.containerName)
    console.log(`    node memory after ${idleSeconds}s idle: ${JSON.stringify(run.memoryAfterIdle)}`)
  }
  const started = Date.now()
  await deleteClusters({names: [name], kubeconfig}, {provider})
  run.deleteMs = Date.now() - started
  console.log(`    delete: ${seconds(run.deleteMs as number)}`)
  ;(report.runs as unknown[]).push(run)
}

const creates = (report.runs as {createMs: number}[]).map((r) => r.createMs).sort((a, b) => a - b)
report.createMedianMs = creates[Math.floor(creates.length / 2)]
console.log(`create median over ${runs} run(s): ${seconds(report.createMedianMs as number)}`)
mkdirSync('bench/results', {recursive: true})
const file = join('bench/results', `create-${Date.now()}.json`)
writeFileSync(file, JSON.stringify(report, null, 2))
console.log(`written ${file}`)
