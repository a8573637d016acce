// Pure translation from a node description to Docker's container spec, so the
// shape of a node container is tested without Docker.
import type Docker from 'dockerode'
import {clusterLabels, NODE_NAME_LABEL, ROLE_LABEL, varVolumeName} from '../labels.js'
import type {LoadBalancerContainerSpec, NodeContainerSpec, NetworkSpec, PublishedPort} from '../types.js'

export interface HostFacts {
  /** /dev/kmsg exists on this machine (kubelet's OOM watcher reads it). */
  hasKmsg: boolean
  /** /lib/modules exists on this machine. */
  hasModules: boolean
}

/** The capability set that works where the daemon's bounding set lacks CAP_SYS_RESOURCE. */
export function restrictedHostConfig(): Docker.HostConfig {
  return {
    CapAdd: ['ALL'],
    CapDrop: ['SYS_RESOURCE'],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'label=disable'],
    // The API form of `--security-opt systempaths=unconfined`: /proc and /sys unmasked.
    MaskedPaths: [],
    ReadonlyPaths: [],
    DeviceCgroupRules: ['a *:* rwm'],
  } as Docker.HostConfig
}

const portKey = (p: PublishedPort) => `${p.containerPort}/${p.protocol}`

/** Ports are chosen at plan time and pinned: a restarted container keeps them. */
function published(ports: PublishedPort[]): Pick<Docker.ContainerCreateOptions, 'ExposedPorts'> & {PortBindings: Record<string, {HostIp: string; HostPort: string}[]>} {
  const bindings: Record<string, {HostIp: string; HostPort: string}[]> = {}
  for (const port of ports) (bindings[portKey(port)] ??= []).push({HostIp: port.hostAddress, HostPort: String(port.hostPort)})
  return {ExposedPorts: Object.fromEntries(ports.map((p) => [portKey(p), {}])), PortBindings: bindings}
}

function onNetwork(network: string, name: string, ipv4: string): Docker.ContainerCreateOptions['NetworkingConfig'] {
  return {EndpointsConfig: {[network]: {Aliases: [name], IPAMConfig: {IPv4Address: ipv4}}}}
}

export function nodeContainerSpec(spec: NodeContainerSpec, host: HostFacts): Docker.ContainerCreateOptions {
  const privileged = spec.securityMode === 'privileged'
  const ports = published(spec.ports)
  const hostConfig: Docker.HostConfig & {CgroupnsMode?: string} = {
    ...(privileged ? {Privileged: true, SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'label=disable']} : restrictedHostConfig()),
    // A private cgroup namespace roots the node's cgroups at its own container.
    CgroupnsMode: 'private',
    Tmpfs: {'/run': 'rw,nosuid,nodev,mode=755', '/tmp': 'rw,nosuid,nodev,exec,mode=1777'},
    Mounts: [
      // Nested overlayfs needs a filesystem that is not itself overlay.
      {Type: 'volume', Source: varVolumeName(spec.containerName), Target: '/var', VolumeOptions: {Labels: {...spec.labels, ...clusterLabels(spec.cluster, 'volume')}} as Docker.MountSettings['VolumeOptions']},
      ...(host.hasModules ? [{Type: 'bind' as const, Source: '/lib/modules', Target: '/lib/modules', ReadOnly: true}] : []),
    ],
    // Binds, not Mounts: only they carry SELinux relabelling (z) beside propagation.
    Binds: spec.mounts.map(bindOf),
    // "." is the engine's way to say "no search domains".
    ...(spec.dnsSearch ? {DnsSearch: spec.dnsSearch.length > 0 ? spec.dnsSearch : ['.']} : {}),
    Devices: !privileged && host.hasKmsg ? [{PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm'}] : [],
    NetworkMode: spec.network,
    RestartPolicy: {Name: 'unless-stopped'},
    Init: false,
    PortBindings: ports.PortBindings,
  }
  return {
    name: spec.containerName,
    Hostname: spec.name,
    Image: spec.image,
    Labels: {...spec.labels, ...clusterLabels(spec.cluster, 'node', {[ROLE_LABEL]: spec.role, [NODE_NAME_LABEL]: spec.name})},
    Env: ['container=docker', ...Object.entries(spec.env ?? {}).map(([name, value]) => `${name}=${value}`)],
    StopSignal: 'SIGRTMIN+3',
    Tty: true,
    ExposedPorts: ports.ExposedPorts,
    HostConfig: hostConfig,
    NetworkingConfig: onNetwork(spec.network, spec.name, spec.ipv4),
  }
}

const PROPAGATION = {None: 'rprivate', HostToContainer: 'rslave', Bidirectional: 'rshared'} as const

/** host:container:options, as `docker run -v` takes it. */
export function bindOf(mount: NodeContainerSpec['mounts'][number]): string {
  const options = [mount.readOnly ? 'ro' : 'rw', ...(mount.selinuxRelabel ? ['z'] : []), PROPAGATION[mount.propagation]]
  return `${mount.hostPath}:${mount.containerPath}:${options.join(',')}`
}

export function loadBalancerContainerSpec(spec: LoadBalancerContainerSpec): Docker.ContainerCreateOptions {
  const ports = published(spec.ports)
  return {
    name: spec.containerName,
    Hostname: spec.name,
    Image: spec.image,
    Labels: {...spec.labels, ...clusterLabels(spec.cluster, 'load-balancer', {[NODE_NAME_LABEL]: spec.name})},
    ExposedPorts: ports.ExposedPorts,
    HostConfig: {NetworkMode: spec.network, PortBindings: ports.PortBindings, RestartPolicy: {Name: 'unless-stopped'}},
    NetworkingConfig: onNetwork(spec.network, spec.name, spec.ipv4),
  }
}

export function networkCreateOptions(network: NetworkSpec): Docker.NetworkCreateOptions {
  return {
    Name: network.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: {...network.labels, ...clusterLabels(network.cluster, 'network')},
    IPAM: {Driver: 'default', Config: [{Subnet: network.subnet, Gateway: network.gateway}]},
    Options: {'com.docker.network.bridge.enable_ip_masquerade': 'true'},
  }
}
