// Benchmark, one table per run: create to Ready + DNS by phase for each
// cluster shape and profile (the CLI, as a user runs it), each node's memory
// after idling with every component's share, delete, `load image`, and a
// plain kubeadm baseline (bench/lib/baseline.ts) on the same node image, in
// the same run, that kcluster's figures are given as ratios of.
//   npm run bench -- [--runs N] [--shapes 1,1+2] [--profiles default,light] [--idle SECONDS]
//                    [--no-baseline] [--load-runs N] [--load-size MIB]
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {parseArgs} from 'node:util'
import {execa} from 'execa'
import {defaultNetworking, type ClusterSpec, type NodeRole} from '../src/config/cluster-spec.js'
import {clusterImagesFrom} from '../src/lifecycle/cluster-images.js'
import {createClusterFromSpec} from '../src/lifecycle/create-cluster.js'
import {deleteClusters} from '../src/lifecycle/delete-cluster.js'
import {DockerProvider} from '../src/provider/docker/docker-provider.js'
import {createBaseline} from './lib/baseline.js'
import {LOAD_ROWS, measureLoadImage, type LoadFigures} from './lib/load-image.js'
import {nodeCpuSeconds} from './lib/cpu.js'
import {nodeMemory, type NodeMemory} from './lib/memory.js'

const {values} = parseArgs({
  options: {
    runs: {type: 'string', default: '5'},
    shapes: {type: 'string', default: '1,1+2'},
    profiles: {type: 'string', default: 'default,light'},
    idle: {type: 'string', default: '60'},
    'no-baseline': {type: 'boolean', default: false},
    'load-runs': {type: 'string', default: '3'},
    'load-size': {type: 'string', default: '64'},
    // Kept for old command lines: images are no longer rebuilt here (`kcluster build node-image --force` times that).
    'skip-build': {type: 'boolean', default: false},
  },
})
const runs = Number(values.runs)
const idleSeconds = Number(values.idle)
const shapes = values.shapes!.split(',').filter(Boolean)
const root = resolve(import.meta.dirname, '../..')
const provider = new DockerProvider()
const work = mkdtempSync(join(tmpdir(), 'kcluster-bench-'))
const kubeconfig = join(work, 'config')
const started = Date.now()
const loadAtStart = loadavg()[0]!

interface CreateRun {
  /** The `kcluster create` process, Node.js start included. */
  wallMs: number
  /** The create itself, as its result says. */
  createMs: number
  phases: Record<string, number>
  deleteMs: number
  /** CPU time the node containers used from their start to the create's end. */
  cpuSeconds: number
  memory?: Record<string, NodeMemory>
}
type Outcome = {runs: CreateRun[]} | {unavailable: string}

const log = (line: string) => process.stderr.write(`${line}\n`)
const kcluster = (args: string[]) => execa(process.execPath, [join(root, 'bin/run.js'), ...args], {reject: false, env: {KCLUSTER_KUBECONFIG: kubeconfig}})

/** "1+2" → one control plane and two workers. */
function shapeRoles(shape: string): NodeRole[] {
  const [controlPlanes, workers = '0'] = shape.split('+')
  return [...Array(Number(controlPlanes)).fill('control-plane'), ...Array(Number(workers)).fill('worker')]
}

/** Whether `create` takes this profile; the reason it does not, otherwise. */
async function profileUnavailable(profile: string): Promise<string | undefined> {
  if (profile === 'default') return undefined
  const help = await kcluster(['create', '--help'])
  if (!help.stdout.includes('--profile')) return 'not available (create has no --profile)'
  return undefined
}

/** One create by the CLI, then its delete (timed, also after a failed create); memory after idling on the first run. */
async function createRun(profile: string, shape: string, index: number): Promise<CreateRun> {
  const name = `bench-${profile}-${shape.replace('+', 'p')}-${index}`
  const config = join(work, `${shape}.yaml`)
  writeFileSync(config, `apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nnodes:\n${shapeRoles(shape).map((role) => `  - role: ${role}\n`).join('')}`)
  const args = ['create', '--name', name, '--config', config, '--json', ...(profile === 'default' ? [] : ['--profile', profile])]
  let run: CreateRun | undefined
  try {
    const begun = Date.now()
    const created = await kcluster(args)
    const wallMs = Date.now() - begun
    const envelope = JSON.parse(created.stdout || '{}') as {result?: {durationMs: number; phases: {stepId: string; durationMs: number}[]; nodes: {name: string; containerName: string}[]}; error?: {message: string}}
    const result = envelope.result
    if (!result) throw new Error(`kcluster ${args.join(' ')}: ${envelope.error?.message ?? created.stderr}`)
    const cpu = await Promise.all(result.nodes.map((n) => nodeCpuSeconds(n.containerName)))
    run = {wallMs, createMs: result.durationMs, phases: Object.fromEntries(result.phases.map((p) => [p.stepId, p.durationMs])), deleteMs: 0, cpuSeconds: cpu.reduce((a, b) => a + b, 0)}
    if (index === 0 && idleSeconds > 0) {
      log(`  idle ${idleSeconds} s`)
      await sleep(idleSeconds * 1000)
      run.memory = Object.fromEntries(await Promise.all(result.nodes.map(async (n) => [n.name, await nodeMemory(n.containerName, n.name)])))
    }
    return run
  } finally {
    const deleting = Date.now()
    const deleted = await kcluster(['delete', '--name', name, '--json'])
    if (run) run.deleteMs = Date.now() - deleting
    if (deleted.exitCode !== 0) log(`  delete of ${name} failed: ${deleted.stdout}${deleted.stderr}`)
  }
}

// ---- measure
const profiles = values.profiles!.split(',').filter(Boolean)
const results: Record<string, Record<string, Outcome>> = {}
for (const profile of profiles) {
  results[profile] = {}
  const unavailable = await profileUnavailable(profile)
  for (const shape of shapes) {
    if (unavailable) {
      results[profile]![shape] = {unavailable}
      continue
    }
    const done: CreateRun[] = []
    for (let i = 0; i < runs; i++) {
      log(`${profile} ${shape} run ${i + 1}/${runs}`)
      try {
        const run = await createRun(profile, shape, i)
        done.push(run)
        log(`  create ${(run.wallMs / 1000).toFixed(1)} s, delete ${(run.deleteMs / 1000).toFixed(2)} s`)
      } catch (error) {
        log(`  failed: ${(error as Error).message.split('\n')[0]}`)
        if (done.length === 0 && i === 0) {
          results[profile]![shape] = {unavailable: `failed: ${(error as Error).message.split('\n')[0]}`}
          break
        }
      }
    }
    if (done.length > 0) results[profile]![shape] = {runs: done}
  }
}

const baseline: {durationMs: number; phases: Record<string, number>}[] = []
if (!values['no-baseline']) {
  for (let i = 0; i < runs; i++) {
    log(`plain kubeadm baseline, 1 node, run ${i + 1}/${runs}`)
    const run = await createBaseline(`bench-baseline-${i}`, provider, kubeconfig)
    baseline.push({durationMs: run.durationMs, phases: Object.fromEntries(run.phases.map((p) => [p.stepId, p.durationMs]))})
    log(`  ${(run.durationMs / 1000).toFixed(1)} s`)
  }
}

let load: LoadFigures | undefined
const loadRuns = Number(values['load-runs'])
const loadShape = shapes.includes('1+2') ? '1+2' : (shapes[0] ?? '1')
if (loadRuns > 0) {
  log(`load image, ${loadShape} nodes, ${loadRuns} run(s)`)
  const name = 'bench-load'
  const spec: ClusterSpec = {name, nodes: shapeRoles(loadShape).map((role) => ({role})), networking: defaultNetworking()}
  await createClusterFromSpec(spec, {waitMs: 600_000, retain: false, kubeconfigPath: kubeconfig}, {provider, images: clusterImagesFrom(provider)})
  try {
    load = await measureLoadImage(name, provider, {sizeMiB: Number(values['load-size']), runs: loadRuns})
  } finally {
    await deleteClusters({names: [name], kubeconfig}, {provider})
  }
}

// ---- report: one table
const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!
const s = (ms: number) => (ms / 1000).toFixed(1)
/** "median (min–max) s" of several runs, or the one figure. */
const spread = (ms: number[], digits = 1) =>
  ms.length === 0 ? '' : ms.length === 1 ? `${(ms[0]! / 1000).toFixed(digits)} s` : `${(median(ms) / 1000).toFixed(digits)} s (${(Math.min(...ms) / 1000).toFixed(digits)}–${(Math.max(...ms) / 1000).toFixed(digits)})`
const baselineMedian = baseline.length > 0 ? median(baseline.map((b) => b.durationMs)) : undefined
const ratio = (ms: number) => (baselineMedian ? ` = ${(ms / baselineMedian).toFixed(2)}× baseline` : '')

const PHASES: [string, string][] = [
  ['provision-nodes', 'start node containers'],
  ['kubeadm-init', '`kubeadm init`'],
  ['join-control-planes', 'control planes join'],
  ['join-workers', 'workers join'],
  ['install-pod-network', 'pod network'],
  ['enable-addons', 'addons (storage)'],
  ['wait-ready', 'nodes Ready, cluster DNS answers'],
  ['wait-addons', 'addons ready'],
]
const columns = [...profiles, ...(baseline.length > 0 ? ['plain kubeadm'] : [])]
const rows: string[][] = []
const row = (what: string, cells: Record<string, string>) => rows.push([what, ...columns.map((c) => cells[c] ?? '')])

for (const shape of shapes) {
  const label = shape === '1' ? '1 node' : `${shape.split('+')[0]} control plane(s) + ${shape.split('+')[1] ?? 0} workers`
  const outcomes = Object.fromEntries(profiles.map((p) => [p, results[p]![shape]!]))
  // A profile or shape that did not run says why once, in its first row.
  let first = true
  const ofRuns = (f: (runs: CreateRun[]) => string) => {
    const cells = Object.fromEntries(Object.entries(outcomes).map(([p, o]) => [p, 'runs' in o ? f(o.runs) : first ? o.unavailable : '']))
    first = false
    return cells
  }
  const withBaseline = (cells: Record<string, string>, b: string) => (shape === '1' && baseline.length > 0 ? {...cells, 'plain kubeadm': b} : cells)
  row(`${label}: create to Ready + DNS, \`kcluster create\` (Node.js start included)`, ofRuns((r) => spread(r.map((x) => x.wallMs))))
  row(`— the create itself`, withBaseline(ofRuns((r) => spread(r.map((x) => x.createMs)) + (shape === '1' ? ratio(median(r.map((x) => x.createMs))) : '')), spread(baseline.map((b) => b.durationMs))))
  for (const [id, title] of PHASES) {
    const cells = ofRuns((r) => (r.some((x) => id in x.phases) ? spread(r.map((x) => x.phases[id] ?? 0)) : ''))
    const b = baseline.some((x) => id in x.phases) ? spread(baseline.map((x) => x.phases[id] ?? 0)) : ''
    if (Object.values(cells).some((c) => /\d/.test(c)) || (shape === '1' && b)) row(`— ${title}`, withBaseline(cells, b))
  }
  row(`— CPU the node containers used until then`, ofRuns((r) => spread(r.map((x) => x.cpuSeconds * 1000)).replace(' s', ' CPU-s')))
  row(`${label}: memory after ${idleSeconds} s idle, working set per node`, ofRuns((r) => Object.entries(r[0]!.memory ?? {}).map(([n, m]) => `${n.replace(/^bench-[a-z]+-[0-9p]+-0-/, '')} ${m.workingSetMiB} MiB`).join(', ')))
  const components = new Set(Object.values(outcomes).flatMap((o) => ('runs' in o ? Object.values(o.runs[0]!.memory ?? {}).flatMap((m) => Object.keys(m.components)) : [])))
  for (const component of [...components].sort()) {
    row(`— ${component}`, ofRuns((r) => Object.values(r[0]!.memory ?? {}).map((m) => (m.components[component] === undefined ? '–' : `${m.components[component]}`)).join(' / ') + ' MiB'))
  }
  row(`${label}: \`kcluster delete\` (Node.js start included)`, ofRuns((r) => spread(r.map((x) => x.deleteMs), 2)))
}
if (load) {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`
  for (const r of LOAD_ROWS) row(`\`load image\` (${loadShape} nodes, ${values['load-size']} MiB payload): ${r}`, {default: `${spread(load[r].ms, 2)}, ${mib(median(load[r].bytesPerNode))} sent per node`})
}

const widths = ['what', ...columns].map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
const minutes = ((Date.now() - started) / 60_000).toFixed(1)
console.log(`\nkcluster bench ${new Date().toISOString()}: ${runs} run(s) each, median (min–max); ${cpus().length} cores, load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end; took ${minutes} min`)
console.log(line(['what', ...columns]))
console.log(line(widths.map((w) => '-'.repeat(w))))
for (const r of rows) console.log(line(r))

mkdirSync(join(root, 'bench/results'), {recursive: true})
const file = join(root, 'bench/results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string
writeFileSync(file, JSON.stringify({date: new Date().toISOString(), version, runs, idleSeconds, cores: cpus().length, loadAverage: {start: loadAtStart, end: loadavg()[0]}, durationMs: Date.now() - started, results, baseline, load}, null, 2))
console.log(`\nwritten ${file}`)
