// Containers addons run beside clusters rather than in them (the registry):
// one per machine, joined to the network of each cluster that enabled the
// addon, under its own name, so nodes reach it by that name.
import type Docker from 'dockerode'
import {ADDON_CONTAINER_LABEL, KIND_LABEL} from '../labels.js'
import type {HostContainerSpec} from '../types.js'
import {classifyDockerError, dockerCall, isNotFound} from './errors.js'

export const HOST_CONTAINER_KIND = 'addon'

/** Pure: what Docker is asked to create. */
export function hostContainerSpec(spec: HostContainerSpec): Docker.ContainerCreateOptions {
  const key = (port: number) => `${port}/tcp`
  const bindings: Record<string, {HostIp: string; HostPort: string}[]> = {}
  for (const p of spec.ports) (bindings[key(p.containerPort)] ??= []).push({HostIp: p.hostAddress, HostPort: String(p.hostPort)})
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.command ? {Cmd: spec.command} : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: {[KIND_LABEL]: HOST_CONTAINER_KIND, [ADDON_CONTAINER_LABEL]: spec.addon},
    ExposedPorts: Object.fromEntries(spec.ports.map((p) => [key(p.containerPort), {}])),
    HostConfig: {
      PortBindings: bindings,
      Mounts: Object.entries(spec.volumes).map(([volume, target]) => ({Type: 'volume' as const, Source: volume, Target: target})),
      RestartPolicy: {Name: 'unless-stopped'},
    },
  }
}

async function inspectOrUndefined(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect()
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw classifyDockerError(error, `inspect ${name}`)
  }
}

export async function ensureHostContainer(docker: Docker, spec: HostContainerSpec): Promise<void> {
  const existing = await inspectOrUndefined(docker, spec.name)
  const image = await dockerCall(`inspect the image ${spec.image}`, () => docker.getImage(spec.image).inspect())
  if (existing && existing.Image !== image.Id) {
    await dockerCall(`replace ${spec.name} (its image changed)`, () => docker.getContainer(spec.name).remove({force: true}))
  } else if (existing) {
    if (!existing.State.Running) await dockerCall(`start ${spec.name}`, () => docker.getContainer(spec.name).start())
    return
  }
  for (const volume of Object.keys(spec.volumes)) {
    await dockerCall(`create the volume ${volume}`, () => docker.createVolume({Name: volume, Labels: {[ADDON_CONTAINER_LABEL]: spec.addon}}))
  }
  const container = await dockerCall(`create ${spec.name}`, () => docker.createContainer(hostContainerSpec(spec)))
  try {
    await container.start()
  } catch (error) {
    await container.remove({force: true}).catch(() => {})
    throw classifyDockerError(error, `start ${spec.name}`)
  }
}

export async function hostContainerNetworks(docker: Docker, name: string): Promise<string[] | undefined> {
  const info = await inspectOrUndefined(docker, name)
  return info ? Object.keys(info.NetworkSettings.Networks ?? {}).filter((n) => n !== 'bridge') : undefined
}

export async function connectHostContainer(docker: Docker, name: string, network: string): Promise<void> {
  if ((await hostContainerNetworks(docker, name))?.includes(network)) return
  await dockerCall(`connect ${name} to ${network}`, () => docker.getNetwork(network).connect({Container: name, EndpointConfig: {Aliases: [name]}}))
}

export async function disconnectHostContainer(docker: Docker, name: string, network: string): Promise<void> {
  if (!(await hostContainerNetworks(docker, name))?.includes(network)) return
  await dockerCall(`disconnect ${name} from ${network}`, () => docker.getNetwork(network).disconnect({Container: name, Force: true}))
}

export async function removeHostContainer(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getContainer(name).remove({force: true})
  } catch (error) {
    if (!isNotFound(error)) throw classifyDockerError(error, `remove ${name}`)
  }
}
