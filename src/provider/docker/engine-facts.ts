// What `docker info` says, and the limits of the machine the engine runs on
// when that is this machine (the engine's socket is local and it is no
// Docker Desktop VM): read from /proc and statfs, never from Docker.
import {readFileSync, statfsSync} from 'node:fs'
import type {EngineFacts, MachineFacts} from '../types.js'

/** The fields of `docker info` read here. */
export interface DockerInfo {
  ServerVersion?: string
  OperatingSystem?: string
  KernelVersion?: string
  CgroupVersion?: string
  CgroupDriver?: string
  Driver?: string
  DockerRootDir?: string
  SecurityOptions?: string[]
}

export function engineFactsFromInfo(info: DockerInfo, machine: MachineFacts | undefined): EngineFacts {
  return {
    version: info.ServerVersion ?? '',
    os: info.OperatingSystem ?? '',
    kernelVersion: info.KernelVersion ?? '',
    cgroupVersion: info.CgroupVersion ?? '',
    cgroupDriver: info.CgroupDriver ?? '',
    storageDriver: info.Driver ?? '',
    rootDir: info.DockerRootDir ?? '',
    rootless: (info.SecurityOptions ?? []).some((o) => /(^|,)name=rootless(,|$)/.test(o)),
    ...(machine ? {machine} : {}),
  }
}

/**
 * Reached through a unix socket (docker-modem keeps its path, or a function
 * finding the default one) rather than a host: this machine. Docker Desktop
 * runs the engine in a VM, though: this machine's /proc says nothing of it.
 */
export function engineIsOnThisMachine(modem: {socketPath?: unknown; host?: unknown}, info: DockerInfo): boolean {
  const socket = (typeof modem.socketPath === 'string' && modem.socketPath !== '') || typeof modem.socketPath === 'function'
  return socket && !modem.host && !/docker desktop/i.test(info.OperatingSystem ?? '')
}

export const MACHINE_FILES = {maxUserInstances: '/proc/sys/fs/inotify/max_user_instances', maxUserWatches: '/proc/sys/fs/inotify/max_user_watches'}

export function readMachineFacts(rootDir: string, files = MACHINE_FILES): MachineFacts {
  const number = (path: string) => {
    try {
      const value = Number(readFileSync(path, 'utf8').trim())
      return Number.isFinite(value) ? value : undefined
    } catch {
      return undefined
    }
  }
  const instances = number(files.maxUserInstances)
  const watches = number(files.maxUserWatches)
  let disk: MachineFacts['disk']
  try {
    const stats = statfsSync(rootDir)
    disk = {path: rootDir, availableBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize}
  } catch {
    // Not visible from here (another mount namespace, no permission): unknown.
  }
  return {...(instances !== undefined && watches !== undefined ? {inotify: {maxUserInstances: instances, maxUserWatches: watches}} : {}), ...(disk ? {disk} : {})}
}
