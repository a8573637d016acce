// Which hooks an event runs: the cluster's declared hooks first, in the order
// the config lists them, then the executables of
// $XDG_CONFIG_HOME/kcluster/hooks/<event>.d/ in lexical order of their names
// (the cluster's own wishes before the machine's general ones).
import {constants} from 'node:fs'
import {access, readdir, stat} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {HookEvent, HookSpecs} from '../config/cluster-spec.js'
import {parseDuration} from '../config/duration.js'
import {hookProblems} from '../config/hook-rules.js'
import {InvalidInputError, shellQuote} from '../errors/index.js'
import {HookFileError} from './errors.js'

/** Which hooks a lifecycle call runs: the config's, the hooks directory's, or none. */
export interface HookOptions {
  /** false: no hook runs, neither declared in the config nor in the hooks directory. Default true. */
  enabled?: boolean
  /** Folder holding <event>.d/; false: none. Default $XDG_CONFIG_HOME/kcluster/hooks, else ~/.config/kcluster/hooks. */
  directory?: string | false
  /** The environment hooks inherit (and where XDG_CONFIG_HOME and KCLUSTER_HOOK_TIMEOUT are read); default process.env. */
  env?: NodeJS.ProcessEnv
}

/** Hooks of one event: post-create prepares a whole cluster and gets longer. */
export const DEFAULT_HOOK_TIMEOUT_MS: Record<HookEvent, number> = {
  'post-create': 5 * 60_000,
  'pre-delete': 60_000,
  'post-delete': 60_000,
  'post-start': 60_000,
  'pre-stop': 60_000,
}

/** A duration that replaces the default timeout of the hooks directory's executables. */
export const HOOK_TIMEOUT_ENV = 'KCLUSTER_HOOK_TIMEOUT'

export interface Hook {
  event: HookEvent
  name: string
  source: 'config' | 'directory'
  /** Where it is declared, for messages: hooks.post-create[0], or the file. */
  origin: string
  /** What runs; a shell string is ['/bin/sh', '-c', string]. */
  argv: string[]
  timeoutMs: number
  continueOnError: boolean
  /** Added to the inherited environment. */
  env: Record<string, string>
  /** undefined: the working directory of the command. */
  cwd?: string
}

/** Where the <event>.d folders are, by the XDG base directory rules (a relative XDG_CONFIG_HOME is ignored). */
export function hooksDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME
  const config = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config')
  return path.join(config, 'kcluster', 'hooks')
}

/**
 * The hooks of an event, ready to run. Throws before anything runs when a
 * declared hook is malformed or a file of the hooks directory is not executable.
 */
export async function findHooks(event: HookEvent, declared: HookSpecs | undefined, options: HookOptions = {}): Promise<Hook[]> {
  if (options.enabled === false) return []
  const env = options.env ?? process.env
  const fromConfig = declaredHooks(event, declared)
  const directory = options.directory ?? hooksDirectory(env)
  const fromDirectory = directory === false ? [] : await directoryHooks(event, path.join(directory, `${event}.d`), env)
  return [...fromConfig, ...fromDirectory]
}

function declaredHooks(event: HookEvent, declared: HookSpecs | undefined): Hook[] {
  const list = declared?.[event] ?? []
  // A spec a library caller built by hand gets the checks a config file gets.
  const problems = hookProblems({[event]: list})
  if (problems.length > 0) throw new InvalidInputError(problems)
  return list.map((spec, index) => ({
    event,
    name: spec.name ?? `config-${index + 1}`,
    source: 'config',
    origin: `hooks.${event}[${index}]`,
    argv: typeof spec.command === 'string' ? ['/bin/sh', '-c', spec.command] : [...spec.command],
    timeoutMs: spec.timeout === undefined ? DEFAULT_HOOK_TIMEOUT_MS[event] : parseDuration(spec.timeout, `hooks.${event}[${index}].timeout`),
    continueOnError: spec.continueOnError ?? false,
    env: {...spec.env},
    ...(spec.workingDir === undefined ? {} : {cwd: spec.workingDir}),
  }))
}

/** Every file of the folder but hidden ones and editor backups (name~); each must be executable. */
async function directoryHooks(event: HookEvent, folder: string, env: NodeJS.ProcessEnv): Promise<Hook[]> {
  let names: string[]
  try {
    names = await readdir(folder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new HookFileError(`cannot read the hooks folder ${folder}: ${(error as Error).message}`, `Make ${folder} a readable folder of executables, or remove it.`, [folder])
  }
  const timeoutMs = directoryTimeout(event, env)
  const files: string[] = []
  const notExecutable: string[] = []
  // Byte order, as `ls` sorts with LC_ALL=C: 10-a before 20-b before a.
  for (const name of names.filter((n) => !n.startsWith('.') && !n.endsWith('~')).sort(byBytes)) {
    const file = path.join(folder, name)
    const info = await stat(file).catch(() => undefined)
    if (info === undefined) throw new HookFileError(`hook ${file} is a link to nothing`, `Remove ${file} or point it at an executable.`, [file])
    if (!info.isFile()) continue
    const executable = await access(file, constants.X_OK).then(() => true, () => false)
    if (executable) files.push(file)
    else notExecutable.push(file)
  }
  if (notExecutable.length > 0) {
    throw new HookFileError(
      `${notExecutable.length === 1 ? 'hook file' : 'hook files'} ${notExecutable.join(', ')} ${notExecutable.length === 1 ? 'is' : 'are'} not executable`,
      `Make ${notExecutable.length === 1 ? 'it' : 'them'} executable with \`chmod +x ${shellQuote(notExecutable)}\`, or move ${notExecutable.length === 1 ? 'it' : 'them'} out of ${folder}.`,
      notExecutable,
    )
  }
  return files.map((file) => ({event, name: path.basename(file), source: 'directory', origin: file, argv: [file], timeoutMs, continueOnError: false, env: {}}))
}

function directoryTimeout(event: HookEvent, env: NodeJS.ProcessEnv): number {
  const text = env[HOOK_TIMEOUT_ENV]
  if (text === undefined || text === '') return DEFAULT_HOOK_TIMEOUT_MS[event]
  const ms = parseDuration(text, HOOK_TIMEOUT_ENV)
  if (ms <= 0) throw new InvalidInputError([{field: HOOK_TIMEOUT_ENV, message: `must be more than 0 (got ${JSON.stringify(text)})`}])
  return ms
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}
