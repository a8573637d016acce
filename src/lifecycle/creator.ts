// Who runs a create, and whether that process still runs: what tells a create
// in progress (never to be touched) from one that was killed (its leftovers
// are orphans for `prune`).
//
// The claim container of a create records its process: host name and pid, and
// on Linux the kernel's boot id, the pid namespace and the process's start time.
// A pid alone could have been reused; with the same boot and namespace, the same
// pid and the same start time are the same process. A claim made in another pid
// namespace (another container sharing the engine) or on another machine cannot
// be checked from here: it is "unknown", and left alone.
import {readFileSync, readlinkSync} from 'node:fs'
import os from 'node:os'
import type {CreatorRecord} from '../provider/types.js'

export type Liveness = 'running' | 'gone' | 'unknown'

/** What this machine tells of its processes; Linux's /proc, or a stand-in in tests. */
export interface ProcessTable {
  host: string
  bootId?: string
  pidNamespace?: string
  /** When this machine booted, ms since the epoch. */
  bootedAt: number
  /** Start time of a process of this pid namespace, undefined when there is no such process. */
  startTime(pid: number | 'self'): string | undefined
}

function readOrUndefined(read: () => string): string | undefined {
  try {
    return read().trim()
  } catch {
    return undefined
  }
}

/** Field 22 of /proc/<pid>/stat, after the command name (which may hold spaces and parentheses). */
export function startTimeFromStat(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields[19]
}

export function procProcessTable(): ProcessTable {
  return {
    host: os.hostname(),
    bootedAt: Date.now() - os.uptime() * 1000,
    bootId: readOrUndefined(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidNamespace: readOrUndefined(() => /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? ''),
    startTime: (pid) => {
      const stat = readOrUndefined(() => readFileSync(`/proc/${pid}/stat`, 'utf8'))
      return stat === undefined ? undefined : startTimeFromStat(stat)
    },
  }
}

/** This process, as its claim records it. */
export function currentCreator(table: ProcessTable = procProcessTable()): CreatorRecord {
  const startTime = table.startTime('self')
  return {host: table.host, pid: process.pid, ...(table.bootId ? {bootId: table.bootId} : {}), ...(table.pidNamespace ? {pidNamespace: table.pidNamespace} : {}), ...(startTime ? {startTime} : {})}
}

export function creatorLiveness(creator: CreatorRecord, table: ProcessTable): Liveness {
  // Recorded without the Linux facts (another OS, an older kcluster), or read where there are none.
  if (!creator.bootId || !creator.pidNamespace || !creator.startTime || !table.bootId || !table.pidNamespace) return 'unknown'
  // Same host name, another boot, claimed before this boot: this machine restarted since, and every process of then is gone.
  if (creator.bootId !== table.bootId) {
    const claimedBeforeBoot = creator.claimedAt !== undefined && Date.parse(creator.claimedAt) < table.bootedAt
    return creator.host === table.host && claimedBeforeBoot ? 'gone' : 'unknown'
  }
  if (creator.pidNamespace !== table.pidNamespace) return 'unknown'
  return table.startTime(creator.pid) === creator.startTime ? 'running' : 'gone'
}

/** For messages: "pid 4242 on ci-runner-7". */
export function describeCreator(creator: CreatorRecord): string {
  return `pid ${creator.pid} on ${creator.host}`
}
