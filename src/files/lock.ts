// An exclusive lock next to a file (kubeconfig edits, node image builds), so concurrent kcluster (and kubectl)
// processes serialise their read-modify-write cycles instead of losing each
// other's entries. client-go locks kubeconfig edits with the very same
// "<file>.lock" created O_EXCL, so kubectl and kcluster also exclude each other.

import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import {setTimeout as sleep} from 'node:timers/promises'
import {TimeoutError} from '../errors/index.js'

export interface LockOptions {
  /** Give up once one holder has kept the lock this long (a healthy one keeps it for milliseconds). */
  timeoutMs?: number
  /** A lock older than this is abandoned, whoever holds it. */
  staleMs?: number
}

interface LockOwner {
  pid: number
  host: string
  createdAt: number
  token: string
}

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_STALE_MS = 30_000

/** Runs fn while holding `<file>.lock`; the lock is released even when fn throws. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${file}.lock`
  const token = await acquire(lockPath, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.staleMs ?? DEFAULT_STALE_MS)
  try {
    return await fn()
  } finally {
    await release(lockPath, token)
  }
}

async function acquire(lockPath: string, timeoutMs: number, staleMs: number): Promise<string> {
  const token = randomBytes(8).toString('hex')
  const owner: LockOwner = {pid: process.pid, host: os.hostname(), createdAt: 0, token}
  // The wait is bounded by how long one holder keeps the lock, not by how
  // long the queue is: on a machine busy enough that fsync takes a second,
  // twenty healthy writers take longer than timeoutMs, and that is no reason
  // to fail. A hard cap still ends any wait.
  const hardDeadline = Date.now() + timeoutMs * 6
  let deadline = Date.now() + timeoutMs
  let lastHolder: string | undefined
  let delay = 5
  for (;;) {
    owner.createdAt = Date.now()
    let handle: fs.FileHandle | undefined
    try {
      handle = await fs.open(lockPath, 'wx', 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (handle) {
      try {
        await handle.writeFile(JSON.stringify(owner))
        await handle.close()
      } catch (error) {
        await handle.close().catch(() => {})
        await fs.rm(lockPath, {force: true})
        throw error
      }
      return token
    }
    if (await breakIfStale(lockPath, staleMs)) continue
    const holder = await holderIdentity(lockPath)
    if (holder !== lastHolder) {
      lastHolder = holder
      deadline = Math.min(Date.now() + timeoutMs, hardDeadline)
    }
    if (Date.now() >= deadline) {
      throw new TimeoutError(
        `the lock ${lockPath}`,
        timeoutMs,
        {remedy: `Another kcluster or kubectl process is editing the file. If none is running, delete ${lockPath} and retry.`},
      )
    }
    // Jitter keeps a crowd of waiters from retrying in lockstep.
    await sleep(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 100)
  }
}

/** Changes whenever the lock changes hands; client-go's empty lock files are told apart by inode and mtime. */
async function holderIdentity(lockPath: string): Promise<string | undefined> {
  const owner = await readOwner(lockPath)
  if (owner) return owner.token
  try {
    const stat = await fs.stat(lockPath)
    return `${stat.ino}:${stat.mtimeMs}`
  } catch {
    return undefined
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  // Only remove the lock if it is still ours: if we were judged stale and
  // someone took over, deleting theirs would let a third process in.
  const owner = await readOwner(lockPath)
  if (owner?.token === token) await fs.rm(lockPath, {force: true})
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(lockPath, 'utf8'))
    const owner = parsed as LockOwner
    if (typeof parsed === 'object' && parsed !== null && typeof owner.pid === 'number' && typeof owner.token === 'string') return owner
  } catch {
    // Empty (being written, or client-go's lock), unreadable or gone: no owner info.
  }
  return undefined
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  let mtimeMs: number
  try {
    mtimeMs = (await fs.stat(lockPath)).mtimeMs
  } catch {
    return false // gone already; the next open will tell
  }
  const owner = await readOwner(lockPath)
  const createdAt = owner?.createdAt ?? mtimeMs
  if (Date.now() - createdAt > staleMs) return true
  // A pid only means something on the host that wrote it (home directories can be shared).
  if (owner === undefined || owner.host !== os.hostname() || processIsAlive(owner.pid)) return false
  // The owner may have released and exited between our read and the liveness
  // check, and someone else taken the lock since: only the same lock, still
  // there after its owner was seen dead, is abandoned. A dead owner cannot
  // release it any more, so it stays abandoned until a breaker removes it.
  return (await readOwner(lockPath))?.token === owner.token
}

/**
 * Removes a stale lock. Breakers serialise on a second lock so two of them
 * cannot both judge the same lock stale and one delete the lock the other
 * has just created.
 */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  if (!(await isStale(lockPath, staleMs))) return false
  const breakPath = `${lockPath}.break`
  try {
    await (await fs.open(breakPath, 'wx', 0o600)).close()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    // A breaker holds it for microseconds; one that died mid-way leaves it behind.
    const age = await fs.stat(breakPath).then((s) => Date.now() - s.mtimeMs, () => 0)
    if (age > 5000) await fs.rm(breakPath, {force: true})
    return false
  }
  try {
    if (!(await isStale(lockPath, staleMs))) return false
    await fs.rm(lockPath, {force: true})
    return true
  } finally {
    await fs.rm(breakPath, {force: true})
  }
}
