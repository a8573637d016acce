// Benchmark: `load image` as a developer iterating on an image uses it. For a
// cluster shape, an image of a few layers (a payload of --size MiB under a
// small top layer): a full load, a re-load of the unchanged image, and a load
// after only the top layer changed; bytes sent per node and wall time.
//   npm run bench:load -- [--shape 1+2] [--size 64] [--runs 3]
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {defaultNetworking, type ClusterSpec, type NodeRole} from '../src/config/cluster-spec.js'
import {clusterImagesFrom} from '../src/lifecycle/cluster-images.js'
import {createClusterFromSpec} from '../src/lifecycle/create-cluster.js'
import {deleteClusters} from '../src/lifecycle/delete-cluster.js'
import {DockerProvider} from '../src/provider/docker/docker-provider.js'
import {measureLoadImage, type LoadFigures} from './lib/load-image.js'

const {values} = parseArgs({options: {shape: {type: 'string', default: '1+2'}, size: {type: 'string', default: '64'}, runs: {type: 'string', default: '3'}}})
const root = resolve(import.meta.dirname, '../..')
const provider = new DockerProvider()
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcluster-bench-')), 'config')
const name = 'bench-load'
const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(2) + ' MiB'

const [controlPlanes, workers = '0'] = values.shape!.split('+')
const roles: NodeRole[] = [...Array(Number(controlPlanes)).fill('control-plane'), ...Array(Number(workers)).fill('worker')]
const spec: ClusterSpec = {name, nodes: roles.map((role) => ({role})), networking: defaultNetworking()}

await deleteClusters({names: [name], kubeconfig}, {provider})
await createClusterFromSpec(spec, {waitMs: 600_000, retain: false, kubeconfigPath: kubeconfig}, {provider, images: clusterImagesFrom(provider)})
let rows: LoadFigures
try {
  rows = await measureLoadImage(name, provider, {sizeMiB: Number(values.size), runs: Number(values.runs)})
} finally {
  await deleteClusters({names: [name], kubeconfig}, {provider})
}
console.log(`\nload image, ${values.shape} nodes, ${values.size} MiB payload + a small top layer, ${values.runs} runs`)
for (const [row, {ms, bytesPerNode}] of Object.entries(rows)) console.log(`${row.padEnd(18)} median ${(median(ms) / 1000).toFixed(2)} s (${ms.map((m) => (m / 1000).toFixed(2)).join(' / ')}), sent per node ${mib(median(bytesPerNode))}`)
mkdirSync(join(root, 'bench/results'), {recursive: true})
writeFileSync(join(root, `bench/results/load-image-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({date: new Date().toISOString(), shape: values.shape, sizeMiB: Number(values.size), rows}, null, 2))
