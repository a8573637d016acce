// Which process of this machine listens on a port, read from /proc: the
// socket's inode in /proc/net/{tcp,udp}{,6}, then the process holding a file
// descriptor on it. Only processes this user may look into are seen; the
// answer is a hint for a message, so anything unreadable is just "unknown".
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'

export interface PortOwner {
  pid: number
  command: string
}

const LISTEN = '0A'

/** Inodes of the sockets bound to `port` ({tcp: listening only}) in one /proc/net table. */
export function socketInodes(table: string, port: number, protocol: 'tcp' | 'udp'): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && (protocol === 'udp' || f[3] === LISTEN))
    .map((f) => f[9]!)
    .filter((inode) => inode !== '0')
}

export function portOwner(port: number, protocol: 'tcp' | 'udp' | 'sctp', proc = '/proc'): PortOwner | undefined {
  if (protocol === 'sctp') return undefined
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return ''
    }
  }
  const inodes = new Set([...socketInodes(read(`${proc}/net/${protocol}`), port, protocol), ...socketInodes(read(`${proc}/net/${protocol}6`), port, protocol)])
  if (inodes.size === 0) return undefined
  const targets = new Set([...inodes].map((inode) => `socket:[${inode}]`))
  let pids: string[] = []
  try {
    pids = readdirSync(proc).filter((entry) => /^\d+$/.test(entry))
  } catch {
    return undefined
  }
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = readdirSync(`${proc}/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        if (targets.has(readlinkSync(`${proc}/${pid}/fd/${fd}`))) return {pid: Number(pid), command: read(`${proc}/${pid}/comm`).trim() || '?'}
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return undefined
}
