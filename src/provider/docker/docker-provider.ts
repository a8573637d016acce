// Provider backed by the local Docker engine. Cluster membership is read from
// labels on every call; nothing is cached between commands.
import {existsSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import type Docker from 'dockerode'
import {CLUSTER_LABEL, KIND_LABEL, ROLE_LABEL, clusterLabels, networkName, varVolumeName} from '../labels.js'
import type {ClusterSummary, ExecOptions, Node, NodeRole, NodeSpec, Provider, SecurityMode} from '../types.js'
import {connectDocker, pingDocker} from './client.js'
import {isConflict, isNotFound} from './errors.js'
import {API_SERVER_PORT, nodeContainerSpec, type HostFacts} from './container-spec.js'
import {execInContainer} from './exec.js'
import {writeFileInContainer} from './files.js'
import {DockerImages} from './images.js'

export class DockerProvider implements Provider {
  readonly docker: Docker
  readonly images: DockerImages
  private securityMode?: Promise<SecurityMode>

  constructor(docker: Docker = connectDocker(), private readonly host: HostFacts = detectHostFacts()) {
    this.docker = docker
    this.images = new DockerImages(docker)
  }

  ping(): Promise<void> {
    return pingDocker(this.docker)
  }

  async listClusters(): Promise<ClusterSummary[]> {
    const containers = await this.docker.listContainers({all: true, filters: {label: [`${KIND_LABEL}=node`]}})
    const clusters = new Map<string, ClusterSummary>()
    for (const c of containers) {
      const name = c.Labels[CLUSTER_LABEL]
      if (!name) continue
      const summary = clusters.get(name) ?? {name, nodes: []}
      summary.nodes.push({name: (c.Names[0] ?? c.Id).replace(/^\//, ''), role: (c.Labels[ROLE_LABEL] ?? 'worker') as NodeRole, state: c.State, image: c.Image})
      const published = c.Ports.find((p) => p.PrivatePort === API_SERVER_PORT && p.PublicPort)
      if (published) summary.apiServerPort = published.PublicPort
      clusters.set(name, summary)
    }
    // Networks and volumes left by an interrupted create still name a cluster.
    const networks = await this.docker.listNetworks({filters: {label: [`${KIND_LABEL}=network`]}})
    for (const n of networks) {
      const name = n.Labels?.[CLUSTER_LABEL]
      if (name && !clusters.has(name)) clusters.set(name, {name, nodes: []})
    }
    return [...clusters.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  async listNodes(cluster: string): Promise<Node[]> {
    const containers = await this.docker.listContainers({all: true, filters: {label: [`${CLUSTER_LABEL}=${cluster}`, `${KIND_LABEL}=node`]}})
    const nodes = await Promise.all(containers.map((c) => this.nodeFromContainer(c.Id)))
    return nodes.sort((a, b) => a.name.localeCompare(b.name))
  }

  async createNetwork(cluster: string): Promise<string> {
    const name = networkName(cluster)
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: clusterLabels(cluster, 'network'),
        Options: {'com.docker.network.bridge.enable_ip_masquerade': 'true'},
      })
    } catch (error) {
      if (!isConflict(error)) throw error
      // Left over from an earlier attempt of the same cluster: reuse it.
    }
    return name
  }

  /** Privileged where the daemon allows it, else the restricted set; probed once per process. */
  detectSecurityMode(image: string): Promise<SecurityMode> {
    this.securityMode ??= this.probePrivileged(image)
    return this.securityMode
  }

  private async probePrivileged(image: string): Promise<SecurityMode> {
    const name = `kcluster-probe-${randomBytes(4).toString('hex')}`
    const container = await this.docker.createContainer({
      name,
      Image: image,
      Entrypoint: ['/bin/true'],
      Cmd: [],
      Labels: {[KIND_LABEL]: 'probe'},
      HostConfig: {Privileged: true, NetworkMode: 'none'},
    })
    try {
      await container.start()
      await container.wait()
      return 'privileged'
    } catch {
      return 'restricted'
    } finally {
      await container.remove({force: true}).catch(() => {})
    }
  }

  async provisionNode(spec: NodeSpec): Promise<Node> {
    const containerName = spec.name
    // A volume left by a crashed run would carry another cluster's certificates.
    await this.docker.getVolume(varVolumeName(containerName)).remove().catch((error) => {
      if (!isNotFound(error)) throw error
    })
    const container = await this.docker.createContainer(nodeContainerSpec(spec, containerName, this.host))
    await container.start()
    return this.nodeFromContainer(container.id)
  }

  async apiServerPort(nodeName: string): Promise<number> {
    const info = await this.docker.getContainer(nodeName).inspect()
    const binding = info.NetworkSettings.Ports?.[`${API_SERVER_PORT}/tcp`]?.[0]
    if (!binding?.HostPort) throw new Error(`node ${nodeName} does not publish the API server port`)
    return Number(binding.HostPort)
  }

  async deleteCluster(cluster: string): Promise<{containers: number; volumes: number; networks: number}> {
    const filter = {label: [`${CLUSTER_LABEL}=${cluster}`]}
    const containers = await this.docker.listContainers({all: true, filters: filter})
    const removedContainers = await Promise.allSettled(containers.map((c) => this.docker.getContainer(c.Id).remove({force: true, v: true})))
    const errors = removedContainers.flatMap((r) => (r.status === 'rejected' && !isNotFound(r.reason) ? [r.reason] : []))
    const volumes = (await this.docker.listVolumes({filters: filter})).Volumes ?? []
    const removedVolumes = await Promise.allSettled(volumes.map((v) => this.docker.getVolume(v.Name).remove()))
    errors.push(...removedVolumes.flatMap((r) => (r.status === 'rejected' && !isNotFound(r.reason) ? [r.reason] : [])))
    const networks = await this.docker.listNetworks({filters: filter})
    const removedNetworks = await Promise.allSettled(networks.map((n) => this.docker.getNetwork(n.Id).remove()))
    errors.push(...removedNetworks.flatMap((r) => (r.status === 'rejected' && !isNotFound(r.reason) ? [r.reason] : [])))
    if (errors.length > 0) throw new AggregateError(errors, `could not remove everything of cluster ${cluster}: ${errors.map(String).join('; ')}`)
    return {containers: containers.length, volumes: volumes.length, networks: networks.length}
  }

  imageExists(reference: string): Promise<boolean> {
    return this.images.exists(reference)
  }

  async saveImages(references: string[], file: string): Promise<void> {
    await this.images.save(references, file)
  }

  private async nodeFromContainer(id: string): Promise<Node> {
    const info = await this.docker.getContainer(id).inspect()
    const name = info.Name.replace(/^\//, '')
    const networks = Object.values(info.NetworkSettings.Networks ?? {})
    const docker = this.docker
    return {
      name,
      role: (info.Config.Labels[ROLE_LABEL] ?? 'worker') as NodeRole,
      cluster: info.Config.Labels[CLUSTER_LABEL] ?? '',
      ipv4: networks[0]?.IPAddress ?? '',
      exec: (command: string[], options?: ExecOptions) => execInContainer(docker, info.Id, name, command, options),
      writeFile: (path: string, content: string | Buffer, mode = 0o644) =>
        writeFileInContainer(docker, info.Id, path, content, mode, (dir) => execInContainer(docker, info.Id, name, ['mkdir', '-p', dir])),
    }
  }
}

export function detectHostFacts(): HostFacts {
  return {hasKmsg: existsSync('/dev/kmsg'), hasModules: existsSync('/lib/modules')}
}

