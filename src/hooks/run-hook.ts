// One hook as a process on this machine. Node's spawn rather than execa: a
// hook runs in a process group of its own, so a timeout or an abort kills
// everything it started (a shell and its children), and the hook is done when
// its process exits, even if something it left in the background still holds
// its output open.
import {spawn} from 'node:child_process'
import {createInterface} from 'node:readline'
import type {Readable} from 'node:stream'
import {InterruptedError} from '../errors/index.js'
import {HookFailedError, HookTimeoutError} from './errors.js'
import type {Hook} from './find-hooks.js'

export interface HookIo {
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv
  stdin: string
  /** Each line the hook writes, on either stream, as it comes. */
  onLine(line: string): void
  signal: AbortSignal
  /** From SIGTERM to SIGKILL of the process group, after a timeout or an abort. */
  killGraceMs?: number
}

export interface HookExit {
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** stdout and stderr as they interleaved. */
  output: string
}

const MAX_KEPT_CHARS = 256 * 1024
const MAX_LINE_CHARS = 4096
/** After the process exits, how long its last output may take to arrive. */
const DRAIN_MS = 500

/** Resolves when the hook exits 0; throws HookFailedError, HookTimeoutError, or the abort's reason. */
export async function runHookProcess(hook: Hook, io: HookIo): Promise<HookExit> {
  io.signal.throwIfAborted()
  const [file, ...args] = hook.argv
  const child = spawn(file!, args, {cwd: hook.cwd, env: io.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true})
  let output = ''
  const onLine = (line: string) => {
    output = (output + line + '\n').slice(-MAX_KEPT_CHARS)
    io.onLine(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line)
  }
  const lines = [child.stdout, child.stderr].map((stream) => readLines(stream, onLine))

  // A hook that ignores its input may exit before reading it: that is no error.
  child.stdin.on('error', () => {})
  child.stdin.end(io.stdin)

  let timedOut = false
  let killTimer: NodeJS.Timeout | undefined
  const killGroup = () => {
    if (killTimer !== undefined || child.pid === undefined) return
    signalGroup(child.pid, 'SIGTERM')
    killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), io.killGraceMs ?? 5000)
    killTimer.unref()
  }
  const timer = setTimeout(() => {
    timedOut = true
    killGroup()
  }, hook.timeoutMs)
  io.signal.addEventListener('abort', killGroup, {once: true})

  try {
    const exit = await new Promise<{code: number | null; signal: NodeJS.Signals | null} | {error: Error}>((resolve) => {
      child.once('error', (error) => resolve({error}))
      child.once('exit', (code, signal) => resolve({code, signal}))
    })
    await Promise.race([Promise.all(lines), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())])
    for (const stream of [child.stdout, child.stderr]) stream.destroy()
    if (io.signal.aborted) throw io.signal.reason instanceof Error ? io.signal.reason : new InterruptedError()
    if ('error' in exit) throw new HookFailedError(hook, {startError: exit.error.message}, output)
    if (timedOut) throw new HookTimeoutError(hook, output)
    if (exit.code !== 0) throw new HookFailedError(hook, {exitCode: exit.code, signal: exit.signal}, output)
    return {exitCode: exit.code, signal: exit.signal, output}
  } finally {
    clearTimeout(timer)
    // What a killed hook started and that ignored SIGTERM goes now; a hook that exited by itself keeps its background processes.
    if (killTimer !== undefined && child.pid !== undefined) signalGroup(child.pid, 'SIGKILL')
    clearTimeout(killTimer)
    io.signal.removeEventListener('abort', killGroup)
  }
}

/** A detached child leads its own process group: a negative pid reaches all of it. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // Gone already.
  }
}

function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const reader = createInterface({input: stream, crlfDelay: Infinity})
    reader.on('line', onLine)
    reader.once('close', () => resolve())
  })
}
