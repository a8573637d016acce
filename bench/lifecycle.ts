// Benchmark: a cluster that lives for days. For each shape: `stop`, then
// `start` to Ready + DNS (several runs), the time until the cluster is healthy
// again after the Docker engine restarts (no kcluster command), and the
// latency of `status`, both as a library call and as the CLI a script runs.
//   npm run bench:lifecycle -- [--runs N] [--shapes 1,1+2] [--no-docker-restart]
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {execa} from 'execa'
import {defaultNetworking, type ClusterSpec, type NodeRole} from '../src/config/cluster-spec.js'
import {clusterImagesFrom} from '../src/lifecycle/cluster-images.js'
import {clusterStatus} from '../src/lifecycle/cluster-status.js'
import {createClusterFromSpec} from '../src/lifecycle/create-cluster.js'
import {deleteClusters} from '../src/lifecycle/delete-cluster.js'
import {startCluster} from '../src/lifecycle/start-cluster.js'
import {stopCluster} from '../src/lifecycle/stop-cluster.js'
import {DockerProvider} from '../src/provider/docker/docker-provider.js'

const {values} = parseArgs({options: {runs: {type: 'string', default: '3'}, shapes: {type: 'string', default: '1,1+2'}, 'no-docker-restart': {type: 'boolean', default: false}}})
const runs = Number(values.runs)
const root = resolve(import.meta.dirname, '../..')
const provider = new DockerProvider()
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcluster-bench-')), 'config')
const report: Record<string, unknown> = {date: new Date().toISOString(), shapes: {} as Record<string, unknown>}
const seconds = (ms: number) => (ms / 1000).toFixed(1) + 's'
const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!

function shapeSpec(name: string, shape: string): ClusterSpec {
  const [controlPlanes, workers = '0'] = shape.split('+')
  const roles: NodeRole[] = [...Array(Number(controlPlanes)).fill('control-plane'), ...Array(Number(workers)).fill('worker')]
  return {name, nodes: roles.map((role) => ({role})), networking: defaultNetworking()}
}

async function statusLatency(name: string): Promise<{libraryMs: number[]; cliMs: number[]}> {
  const libraryMs: number[] = []
  const cliMs: number[] = []
  for (let i = 0; i < 5; i++) {
    let t = Date.now()
    const status = await clusterStatus({name, kubeconfig}, {provider})
    libraryMs.push(Date.now() - t)
    if (status.exitCode !== 0) throw new Error(`status of ${name} is ${status.health}: ${status.problems.join('; ')}`)
    t = Date.now()
    await execa(process.execPath, [join(root, 'bin/run.js'), 'status', '--name', name, '--kubeconfig', kubeconfig, '--json'])
    cliMs.push(Date.now() - t)
  }
  return {libraryMs, cliMs}
}

for (const shape of values.shapes!.split(',')) {
  const name = `bench-life-${shape.replace('+', 'p')}`
  console.log(`\n== ${shape}`)
  await deleteClusters({names: [name], kubeconfig}, {provider})
  await createClusterFromSpec(shapeSpec(name, shape), {waitMs: 600_000, retain: false, kubeconfigPath: kubeconfig}, {provider, images: clusterImagesFrom(provider)})
  const result: Record<string, unknown> = {}
  const latency = await statusLatency(name)
  result.status = latency
  console.log(`status: library median ${median(latency.libraryMs)} ms, CLI (a new Node.js process) median ${median(latency.cliMs)} ms`)
  const starts: {stopMs: number; startMs: number; phases: unknown; repaired: string[]}[] = []
  for (let i = 0; i < runs; i++) {
    const stopped = await stopCluster({name}, {provider})
    const started = await startCluster({name, waitMs: 600_000, kubeconfig}, {provider})
    starts.push({stopMs: stopped.durationMs, startMs: started.durationMs, phases: started.phases, repaired: started.repaired})
    console.log(`run ${i + 1}: stop ${seconds(stopped.durationMs)}, start to Ready + DNS ${seconds(started.durationMs)} ${JSON.stringify(started.phases)}`)
  }
  result.starts = starts
  result.startMedianMs = median(starts.map((s) => s.startMs))
  if (!values['no-docker-restart']) {
    await execa(join(root, 'scripts/restart-docker.sh'))
    const back = Date.now()
    // Healthy as status judges it (API ready, kubelets healthy, nodes Ready), then cluster DNS as start judges it.
    for (;;) {
      const status = await clusterStatus({name, kubeconfig}, {provider}).catch(() => undefined)
      if (status?.exitCode === 0) break
      if (Date.now() - back > 300_000) throw new Error('not healthy within 300 s of the Docker engine restarting')
      await new Promise((ok) => setTimeout(ok, 500))
    }
    result.healthyAfterDockerRestartMs = Date.now() - back
    const dns = await startCluster({name, waitMs: 300_000, kubeconfig}, {provider})
    result.dnsAfterDockerRestartMs = Date.now() - back
    result.repairedAfterDockerRestart = dns.repaired
    console.log(`after the Docker engine restarted: healthy in ${seconds(result.healthyAfterDockerRestartMs as number)}, cluster DNS answering in ${seconds(result.dnsAfterDockerRestartMs as number)}`)
  }
  ;(report.shapes as Record<string, unknown>)[shape] = result
  console.log(`${shape}: start median ${seconds(result.startMedianMs as number)} over ${runs} run(s)`)
  await deleteClusters({names: [name], kubeconfig}, {provider})
}

mkdirSync('bench/results', {recursive: true})
const file = join('bench/results', `lifecycle-${Date.now()}.json`)
writeFileSync(file, JSON.stringify(report, null, 2))
console.log(`written ${file}`)
