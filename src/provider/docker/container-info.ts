// What kcluster reads off a container as `docker ps` lists it, in one place:
// listing clusters, inspecting one and listing its ports all read the same.
import type Docker from 'dockerode'
import {API_SERVER_PORT, clientAddress} from '../../config/api-server.js'
import {VAR_VOLUME_SUFFIX} from '../labels.js'

export function containerNameOf(c: Docker.ContainerInfo): string {
  return (c.Names[0] ?? c.Id).replace(/^\//, '')
}

/** Its address on the (one) network it is attached to. */
export function ipv4Of(c: Docker.ContainerInfo): string {
  return Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress ?? ''
}

/** The API server as published by a node or the load balancer; a running container shows its published ports only. */
export function apiServerOf(c: Docker.ContainerInfo, kind: string | undefined): string | undefined {
  if (kind !== 'node' && kind !== 'load-balancer') return undefined
  const published = c.Ports.find((p) => p.PrivatePort === API_SERVER_PORT && p.PublicPort)
  return published ? `https://${clientAddress(published.IP ?? '')}:${published.PublicPort}` : undefined
}

/** Node containers whose /var volume is there but the container is not: removed by hand. */
export function removedNodeContainers(volumeNames: string[], containerNames: Set<string>): string[] {
  return volumeNames
    .filter((v) => v.endsWith(VAR_VOLUME_SUFFIX))
    .map((v) => v.slice(0, -VAR_VOLUME_SUFFIX.length))
    .filter((name) => !containerNames.has(name))
    .sort()
}
