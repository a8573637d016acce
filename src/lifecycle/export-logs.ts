// `kcluster export logs`: everything needed to debug a cluster, in one
// archive. Each file comes from one collector; a collector that fails leaves
// `<file>.error.txt` saying why and the export goes on, so a broken cluster
// (the reason to export its logs) still yields an archive.
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {ClusterMissingError} from '../errors/index.js'
import {writeTarGz} from '../files/archive.js'
import {loadBalancerName} from '../plan/names.js'
import type {ClusterSummary, Node, Provider} from '../provider/types.js'
import {CLUSTER_RECORD_PATH, KUBEADM_LOG_PATH, kclusterVersion, type ClusterRecord} from './cluster-record.js'
import {kubectlIn} from './kubectl.js'

/** The logs archive written, what it holds and which collectors failed. */
export interface ExportLogsResult {
  name: string
  /** Absolute path of the .tar.gz written. */
  archive: string
  /** Files in the archive, relative to its top folder. */
  files: string[]
  /** Collectors that failed; each also left `<file>.error.txt` in the archive. */
  errors: {file: string; error: string}[]
  durationMs: number
}

/** Where one file (or, for the listing sources, one folder of files) of the archive comes from. */
export type LogSource =
  | {kind: 'inspect'; container: string}
  | {kind: 'docker-logs'; container: string}
  | {kind: 'node-command'; node: string; command: string[]}
  /** Every file of a folder in the node, each as `<file>/<name>`. */
  | {kind: 'node-folder'; node: string; folder: string}
  | {kind: 'kubectl'; args: string[]}
  /** The logs of every pod of a namespace, each as `<file>/<pod>.log`. */
  | {kind: 'pod-logs'; namespace: string}
  | {kind: 'record'}

/** One file of the logs archive and where its content comes from. */
export interface LogEntry {
  file: string
  source: LogSource
}

/** kcluster-dev-logs-20261126-010203.tar.gz (UTC): sorts by time, safe in any file system. */
export function logsArchiveName(cluster: string, now: Date): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-')
  return `kcluster-${cluster}-logs-${stamp}.tar.gz`
}

/**
 * What the archive holds, from what Docker says of the cluster. A node that
 * does not run gets what the engine keeps of it (inspect, logs); commands in
 * it and cluster-wide queries need running nodes.
 */
export function logsLayout(cluster: ClusterSummary): LogEntry[] {
  const entries: LogEntry[] = [{file: 'kcluster.json', source: {kind: 'record'}}]
  for (const node of cluster.nodes) {
    const dir = node.name
    entries.push({file: `${dir}/docker-inspect.json`, source: {kind: 'inspect', container: node.containerName}})
    entries.push({file: `${dir}/docker-logs.txt`, source: {kind: 'docker-logs', container: node.containerName}})
    if (node.state !== 'running') continue
    const inNode = (file: string, command: string[]): LogEntry => ({file: `${dir}/${file}`, source: {kind: 'node-command', node: node.name, command}})
    entries.push(
      inNode('kubelet.log', ['journalctl', '--no-pager', '-u', 'kubelet']),
      inNode('containerd.log', ['journalctl', '--no-pager', '-u', 'containerd']),
      inNode('crictl-ps.txt', ['crictl', 'ps', '-a']),
      inNode('crictl-pods.txt', ['crictl', 'pods']),
      inNode('kubeadm.log', ['cat', KUBEADM_LOG_PATH]),
      {file: `${dir}/containers`, source: {kind: 'node-folder', node: node.name, folder: '/var/log/containers'}},
    )
  }
  if (cluster.loadBalancer) {
    const dir = loadBalancerName(cluster.name)
    entries.push({file: `${dir}/docker-inspect.json`, source: {kind: 'inspect', container: cluster.loadBalancer.containerName}})
    entries.push({file: `${dir}/docker-logs.txt`, source: {kind: 'docker-logs', container: cluster.loadBalancer.containerName}})
  }
  entries.push(
    {file: 'cluster/events.txt', source: {kind: 'kubectl', args: ['get', 'events', '-A', '-o', 'wide']}},
    {file: 'cluster/pods.txt', source: {kind: 'kubectl', args: ['get', 'pods', '-A', '-o', 'wide']}},
    {file: 'cluster/nodes.txt', source: {kind: 'kubectl', args: ['get', 'nodes', '-o', 'wide']}},
    {file: 'cluster/kube-system', source: {kind: 'pod-logs', namespace: 'kube-system'}},
  )
  return entries
}

export interface ExportLogsDependencies {
  provider: Provider
  onProgress?: (message: string) => void
  /** For tests: the time in the archive's name. */
  now?: Date
}

export async function exportLogs(input: {name: string; directory?: string}, {provider, onProgress = () => {}, now = new Date()}: ExportLogsDependencies): Promise<ExportLogsResult> {
  const started = Date.now()
  await provider.ping()
  const cluster = (await provider.listClusters()).find((c) => c.name === input.name)
  if (!cluster || (cluster.nodes.length === 0 && !cluster.loadBalancer)) throw new ClusterMissingError(input.name)
  const archiveName = logsArchiveName(input.name, now)
  const top = archiveName.replace(/\.tar\.gz$/, '')
  const archive = resolve(input.directory ?? '.', archiveName)
  const collector = new Collector(cluster, await provider.listNodes(input.name), provider)
  const scratch = await mkdtemp(join(tmpdir(), 'kcluster-logs-'))
  try {
    const files = new Map<string, string | Buffer>()
    const errors: ExportLogsResult['errors'] = []
    // Nodes in parallel; within a node one command at a time, to spare a busy machine.
    const groups = new Map<string, LogEntry[]>()
    for (const entry of logsLayout(cluster)) {
      const group = entry.file.split('/')[0]!
      groups.set(group, [...(groups.get(group) ?? []), entry])
    }
    await Promise.all(
      [...groups.entries()].map(async ([group, entries]) => {
        onProgress(`collecting ${group}`)
        for (const entry of entries) {
          try {
            for (const [file, content] of await collector.collect(entry)) files.set(file, content)
          } catch (error) {
            const message = describeFailure(error)
            errors.push({file: entry.file, error: message})
            files.set(`${entry.file}.error.txt`, `${message}\n`)
          }
        }
      }),
    )
    for (const [file, content] of files) {
      const path = join(scratch, top, file)
      await mkdir(dirname(path), {recursive: true})
      await writeFile(path, content)
    }
    await mkdir(dirname(archive), {recursive: true})
    await writeTarGz(archive, scratch, top)
    return {name: input.name, archive, files: [...files.keys()].sort(), errors: errors.sort((a, b) => a.file.localeCompare(b.file)), durationMs: Date.now() - started}
  } finally {
    await rm(scratch, {recursive: true, force: true})
  }
}

/** The text a failed collector leaves: the error, and the output of a failed command when there is one. */
function describeFailure(error: unknown): string {
  const message = String((error as Error)?.message ?? error)
  const output = (error as {details?: {output?: unknown}})?.details?.output
  return typeof output === 'string' && output.trim() !== '' ? `${message}\n\n${output.trimEnd()}` : message
}

class Collector {
  private readonly nodes: Map<string, Node>
  constructor(
    private readonly cluster: ClusterSummary,
    nodes: Node[],
    private readonly provider: Provider,
  ) {
    this.nodes = new Map(nodes.map((n) => [n.name, n]))
  }

  /** The files of one entry: [path in the archive, content]. */
  async collect({file, source}: LogEntry): Promise<[string, string | Buffer][]> {
    switch (source.kind) {
      case 'inspect':
        return [[file, `${JSON.stringify(await this.provider.inspectContainer(source.container), null, 2)}\n`]]
      case 'docker-logs':
        return [[file, await this.provider.containerLogs(source.container)]]
      case 'node-command':
        return [[file, (await this.node(source.node).exec(source.command)).stdout]]
      case 'node-folder': {
        const node = this.node(source.node)
        const names = (await node.exec(['ls', '-1', source.folder])).stdout.split('\n').filter(Boolean)
        const found: [string, string][] = []
        for (const name of names) found.push([`${file}/${name}`, (await node.exec(['cat', `${source.folder}/${name}`])).stdout])
        return found
      }
      case 'kubectl':
        return [[file, (await kubectlIn(this.controlPlane(), source.args)).stdout]]
      case 'pod-logs': {
        const node = this.controlPlane()
        const pods = (await kubectlIn(node, ['get', 'pods', '-n', source.namespace, '-o', 'jsonpath={.items[*].metadata.name}'])).stdout.split(/\s+/).filter(Boolean)
        const found: [string, string][] = []
        for (const pod of pods) {
          // A pod whose containers never started has no logs: say so in its file rather than fail the rest.
          const result = await kubectlIn(node, ['logs', '-n', source.namespace, pod, '--all-containers=true', '--prefix=true', '--timestamps=true'], {allowFailure: true})
          found.push([`${file}/${pod}.log`, result.exitCode === 0 ? result.stdout : `kubectl logs failed (exit ${result.exitCode}):\n${result.stderr}${result.stdout}`])
        }
        return found
      }
      case 'record':
        return [[file, `${JSON.stringify(await this.record(), null, 2)}\n`]]
    }
  }

  /** kcluster's version, the cluster as Docker sees it, and the spec create recorded in the nodes (read from a stopped one too). */
  private async record(): Promise<Record<string, unknown>> {
    let recorded: ClusterRecord | undefined
    const failures: string[] = []
    for (const node of this.cluster.nodes) {
      try {
        recorded = JSON.parse((await this.provider.readContainerFile(node.containerName, CLUSTER_RECORD_PATH)).toString('utf8')) as ClusterRecord
        break
      } catch (error) {
        failures.push(`${node.name}: ${describeFailure(error)}`)
      }
    }
    return {
      kcluster: {version: kclusterVersion()},
      cluster: this.cluster,
      createdWith: recorded ? {kclusterVersion: recorded.kclusterVersion, createdAt: recorded.createdAt} : null,
      config: recorded?.spec ?? null,
      ...(recorded ? {} : {configError: failures.join('; ') || 'the cluster has no nodes'}),
    }
  }

  private running(): Node[] {
    const running = new Set(this.cluster.nodes.filter((n) => n.state === 'running').map((n) => n.name))
    return [...this.nodes.values()].filter((n) => running.has(n.name))
  }

  private node(name: string): Node {
    const node = this.nodes.get(name)
    if (!node) throw new Error(`node ${name} is gone`)
    return node
  }

  private controlPlane(): Node {
    const node = this.running().find((n) => n.role === 'control-plane')
    if (!node) throw new Error('no control-plane node is running: cluster-wide information needs the API server')
    return node
  }
}
