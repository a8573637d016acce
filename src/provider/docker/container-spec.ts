// Pure translation from a node description to Docker's container spec, so the
// shape of a node container is tested without Docker.
import type Docker from 'dockerode'
import {clusterLabels, ROLE_LABEL, varVolumeName} from '../labels.js'
import type {NodeSpec} from '../types.js'

export const API_SERVER_PORT = 6443

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

export function nodeContainerSpec(spec: NodeSpec, containerName: string, host: HostFacts): Docker.ContainerCreateOptions {
  const privileged = spec.securityMode === 'privileged'
  const hostConfig: Docker.HostConfig & {CgroupnsMode?: string} = {
    ...(privileged ? {Privileged: true, SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'label=disable']} : restrictedHostConfig()),
    // A private cgroup namespace roots the node's cgroups at its own container.
    CgroupnsMode: 'private',
    Tmpfs: {'/run': 'rw,nosuid,nodev,mode=755', '/tmp': 'rw,nosuid,nodev,exec,mode=1777'},
    Mounts: [
      // Nested overlayfs needs a filesystem that is not itself overlay.
      {Type: 'volume', Source: varVolumeName(containerName), Target: '/var', VolumeOptions: {Labels: clusterLabels(spec.cluster, 'volume')} as Docker.MountSettings['VolumeOptions']},
      ...(host.hasModules ? [{Type: 'bind' as const, Source: '/lib/modules', Target: '/lib/modules', ReadOnly: true}] : []),
    ],
    Devices: !privileged && host.hasKmsg ? [{PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm'}] : [],
    NetworkMode: spec.network,
    RestartPolicy: {Name: 'on-failure', MaximumRetryCount: 1},
    Init: false,
    PortBindings: spec.publishApiServer ? {[`${API_SERVER_PORT}/tcp`]: [{HostIp: '127.0.0.1', HostPort: ''}]} : {},
  }
  return {
    name: containerName,
    Hostname: containerName,
    Image: spec.image,
    Labels: clusterLabels(spec.cluster, 'node', {[ROLE_LABEL]: spec.role}),
    Env: ['container=docker'],
    StopSignal: 'SIGRTMIN+3',
    Tty: true,
    ExposedPorts: spec.publishApiServer ? {[`${API_SERVER_PORT}/tcp`]: {}} : {},
    HostConfig: hostConfig,
    NetworkingConfig: {EndpointsConfig: {[spec.network]: {Aliases: [containerName]}}},
  }
}
