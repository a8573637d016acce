// Benchmark of the addons, on one 1-node cluster: for each addon, the cold
// image build (with --cold its images are removed first; the Go caches stay
// warm unless you empty them), warm enable (images present) to ready, and the
// memory of its containers after --idle seconds.
//   npm run bench:addons -- [--addons metrics-server,registry] [--cold] [--idle 60]
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {parseArgs} from 'node:util'
import {execa} from 'execa'
import {CATALOG} from '../src/addons/index.js'
import {defaultNetworking} from '../src/config/cluster-spec.js'
import {debianMirrors, imageReference} from '../src/images/index.js'
import {dependencyOrder} from '../src/images/ensure-image.js'
import {disableAddons, enableAddons} from '../src/lifecycle/addons.js'
import {clusterImagesFrom} from '../src/lifecycle/cluster-images.js'
import {createClusterFromSpec} from '../src/lifecycle/create-cluster.js'
import {deleteClusters} from '../src/lifecycle/delete-cluster.js'
import {DockerProvider} from '../src/provider/docker/docker-provider.js'

const {values} = parseArgs({options: {addons: {type: 'string', default: 'metrics-server,registry'}, cold: {type: 'boolean', default: false}, idle: {type: 'string', default: '60'}}})
const name = 'bench-addons'
const provider = new DockerProvider()
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcluster-bench-')), 'config')
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`
const report: Record<string, unknown> = {date: new Date().toISOString(), addons: {}}

/** Working set of the addon's containers in the node (crictl stats), or of its host container (docker stats), in MiB. */
async function idleMemory(addon: string): Promise<number> {
  const node = `kcluster.${name}.control-plane`
  if (addon === 'registry') {
    const stats = await provider.docker.getContainer('kcluster-registry').stats({stream: false})
    return (stats.memory_stats.usage - (stats.memory_stats.stats?.cache ?? 0)) / 2 ** 20
  }
  // Where each addon's pods run, and how their names start ('' for every pod of its own namespace).
  const [namespace, prefix] = ({storage: ['local-path-storage', 'local-path'], ingress: ['kcluster-ingress', ''], 'load-balancer': ['metallb-system', ''], dashboard: ['kcluster-dashboard', '']} as Record<string, [string, string]>)[addon] ?? ['kube-system', addon]
  const pods = JSON.parse((await execa('docker', ['exec', node, 'crictl', 'pods', '--namespace', namespace, '-o', 'json'])).stdout).items as any[]
  const ids = pods.filter((p) => p.metadata.name.startsWith(prefix)).map((p) => p.id)
  const stats = JSON.parse((await execa('docker', ['exec', node, 'crictl', 'stats', '-o', 'json'])).stdout).stats as any[]
  const containers = JSON.parse((await execa('docker', ['exec', node, 'crictl', 'ps', '-o', 'json'])).stdout).containers as any[]
  const wanted = new Set(containers.filter((c) => ids.includes(c.podSandboxId)).map((c) => c.id))
  return stats.filter((s) => wanted.has(s.attributes.id)).reduce((sum, s) => sum + Number(s.memory.workingSetBytes.value), 0) / 2 ** 20
}

await deleteClusters({names: [name], kubeconfig}, {provider})
await createClusterFromSpec({name, nodes: [{role: 'control-plane'}], networking: defaultNetworking()}, {waitMs: 600_000, retain: false, kubeconfigPath: kubeconfig}, {provider, images: clusterImagesFrom(provider)})
try {
  for (const addonName of values.addons!.split(',')) {
    const addon = CATALOG.find((a) => a.name === addonName)!
    const recipes = Object.values({...addon.images?.({mirrors: debianMirrors()}), ...addon.hostImages?.({mirrors: debianMirrors()})})
    const result: Record<string, unknown> = {}
    if (values.cold) {
      for (const recipe of recipes) for (const r of dependencyOrder(recipe).filter((r) => r.id.startsWith(addon.name))) await provider.docker.getImage(imageReference(r)).remove({force: true}).catch(() => {})
      await disableAddons({name, addons: [addonName]}, {provider})
      const t = Date.now()
      await enableAddons({name, addons: [addonName]}, {provider})
      result.coldEnableMs = Date.now() - t
      console.log(`${addonName}: cold enable (image build included) ${seconds(result.coldEnableMs as number)}`)
    }
    await disableAddons({name, addons: [addonName]}, {provider})
    const t = Date.now()
    await enableAddons({name, addons: [addonName]}, {provider})
    result.warmEnableMs = Date.now() - t
    await sleep(Number(values.idle) * 1000)
    result.idleMemoryMiB = Math.round(await idleMemory(addonName))
    result.imageSizeMB = Math.round(
      (await Promise.all(recipes.map(async (r) => (await provider.docker.getImage(imageReference(r)).inspect()).Size))).reduce((a, b) => a + b, 0) / 1e6,
    )
    console.log(`${addonName}: warm enable ${seconds(result.warmEnableMs as number)}, idle ${result.idleMemoryMiB} MiB, image ${result.imageSizeMB} MB`)
    ;(report.addons as Record<string, unknown>)[addonName] = result
  }
} finally {
  await deleteClusters({names: [name], kubeconfig}, {provider})
}
const dir = resolve(import.meta.dirname, '../../bench/results')
mkdirSync(dir, {recursive: true})
writeFileSync(join(dir, `addons-${Date.now()}.json`), `${JSON.stringify(report, null, 2)}\n`)
