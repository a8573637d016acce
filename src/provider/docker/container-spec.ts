// Pure translation from a node description to Docker's container spec, so the
// shape of a node container is tested without Docker.
import type Docker from 'dockerode'
import {clusterLabels, NODE_NAME_LABEL, ROLE_LABEL, varVolumeName} from '../labels.js'
import type {NodeContainerSpec, NetworkSpec} from '../types.js'

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

export function nodeContainerSpec(spec: NodeContainerSpec, host: HostFacts): Docker.ContainerCreateOptions {
  const privileged = spec.securityMode === 'privileged'
  const portKey = (p: NodeContainerSpec['ports'][number]) => `${p.containerPort}/${p.protocol}`
  const portBindings: Record<string, {HostIp: string; HostPort: string}[]> = {}
  for (const port of spec.ports) (portBindings[portKey(port)] ??= []).push({HostIp: port.hostAddress, HostPort: String(port.hostPort)})
  const hostConfig: Docker.HostConfig & {CgroupnsMode?: string} = {
    ...(privileged ? {Privileged: true, SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'label=disable']} : restrictedHostConfig()),
    // A private cgroup namespace roots the node's cgroups at its own container.
    CgroupnsMode: 'private',
    Tmpfs: {'/run': 'rw,nosuid,nodev,mode=755', '/tmp': 'rw,nosuid,nodev,exec,mode=1777'},
    Mounts: [
      // Nested overlayfs needs a filesystem that is not itself overlay.
      {Type: 'volume', Source: varVolumeName(spec.containerName), Target: '/var', VolumeOptions: {Labels: clusterLabels(spec.cluster, 'volume')} as Docker.MountSettings['VolumeOptions']},
      ...(host.hasModules ? [{Type: 'bind' as const, Source: '/lib/modules', Target: '/lib/modules', ReadOnly: true}] : []),
      ...spec.mounts.map((m) => ({Type: 'bind' as const, Source: m.hostPath, Target: m.containerPath, ReadOnly: m.readOnly})),
    ],
    Devices: !privileged && host.hasKmsg ? [{PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm'}] : [],
    NetworkMode: spec.network,
    RestartPolicy: {Name: 'on-failure', MaximumRetryCount: 1},
    Init: false,
    // Ports are chosen at plan time and pinned: a restarted node keeps them.
    PortBindings: portBindings,
  }
  return {
    name: spec.containerName,
    Hostname: spec.name,
    Image: spec.image,
    Labels: clusterLabels(spec.cluster, 'node', {[ROLE_LABEL]: spec.role, [NODE_NAME_LABEL]: spec.name}),
    Env: ['container=docker'],
    StopSignal: 'SIGRTMIN+3',
    Tty: true,
    ExposedPorts: Object.fromEntries(spec.ports.map((p) => [portKey(p), {}])),
    HostConfig: hostConfig,
    NetworkingConfig: {EndpointsConfig: {[spec.network]: {Aliases: [spec.name], IPAMConfig: {IPv4Address: spec.ipv4}}}},
  }
}

export function networkCreateOptions(network: NetworkSpec): Docker.NetworkCreateOptions {
  return {
    Name: network.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: clusterLabels(network.cluster, 'network'),
    IPAM: {Driver: 'default', Config: [{Subnet: network.subnet, Gateway: network.gateway}]},
    Options: {'com.docker.network.bridge.enable_ip_masquerade': 'true'},
  }
}
