// The hooks of one event, each a step of its own (hook:<event>:<name>) whose
// output lines are its progress messages. The caller decides what a failure
// means: it stops the command ('throw'), or the command goes on and fails
// afterwards ('collect', for delete, which must happen whatever a hook does).
// A hook with continueOnError fails as a warning only; an abort always stops.
import type {HookEvent} from '../config/cluster-spec.js'
import type {KclusterError} from '../errors/index.js'
import type {Step, StepRunner} from '../progress/step.js'
import {HookFailedError, HookTimeoutError} from './errors.js'
import type {Hook} from './find-hooks.js'
import {runHookProcess} from './run-hook.js'

/** What hooks learn of the cluster and the command. */
export interface HookInvocation {
  cluster: string
  context: string
  /** The API server as published on the host; undefined (an empty KCLUSTER_SERVER) when not known. */
  server?: string
  /** The kubeconfig file the command used. */
  kubeconfig: string
  /** Written to each hook's stdin as one JSON document. */
  input: unknown
}

/** How a hook went, in the command's result. */
export interface HookOutcome {
  event: HookEvent
  name: string
  source: 'config' | 'directory'
  durationMs: number
  failed: boolean
  /** Why it failed. */
  error?: string
}

export interface HookRunOptions {
  runner: StepRunner
  signal?: AbortSignal
  /** The environment hooks inherit; default process.env. */
  env?: NodeJS.ProcessEnv
  /** throw (default): the first failure stops the command. collect: every hook runs and the failures are returned. */
  onFailure?: 'throw' | 'collect'
  /** From SIGTERM to SIGKILL of a hook that timed out. */
  killGraceMs?: number
}

export interface HookRunResult {
  outcomes: HookOutcome[]
  /** Failures without continueOnError, with onFailure: collect. */
  failures: KclusterError[]
}

export function hookStepId(hook: Pick<Hook, 'event' | 'name'>): string {
  return `hook:${hook.event}:${hook.name}`
}

/** The environment of a hook: inherited, its own, then what kcluster sets, which nothing hides. */
export function hookEnvironment(hook: Hook, invocation: HookInvocation, parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...parent,
    ...hook.env,
    KCLUSTER_EVENT: hook.event,
    KCLUSTER_CLUSTER: invocation.cluster,
    KCLUSTER_CONTEXT: invocation.context,
    KCLUSTER_SERVER: invocation.server ?? '',
    KUBECONFIG: invocation.kubeconfig,
  }
}

export async function runHooks(hooks: Hook[], invocation: HookInvocation, options: HookRunOptions): Promise<HookRunResult> {
  const outcomes: HookOutcome[] = []
  const failures: KclusterError[] = []
  const stdin = `${JSON.stringify(invocation.input)}\n`
  const steps = hooks.map((hook): Step<undefined> => ({
    id: hookStepId(hook),
    title: `Hook ${hook.event}: ${hook.name}`,
    run: async (_, step) => {
      const started = Date.now()
      const outcome = (failed: boolean, error?: string) => outcomes.push({event: hook.event, name: hook.name, source: hook.source, durationMs: Date.now() - started, failed, ...(error === undefined ? {} : {error})})
      try {
        await runHookProcess(hook, {env: hookEnvironment(hook, invocation, options.env), stdin, onLine: (line) => step.report(line), signal: step.signal, killGraceMs: options.killGraceMs})
        outcome(false)
      } catch (error) {
        if (!isHookFailure(error)) throw error
        outcome(true, error.message)
        if (!hook.continueOnError) throw error
        step.report(`warning: ${error.message}; going on (continueOnError)`)
      }
    },
  }))
  if (options.onFailure !== 'collect') {
    await options.runner.run(steps, undefined, options.signal)
    return {outcomes, failures}
  }
  for (const step of steps) {
    try {
      await options.runner.run([step], undefined, options.signal)
    } catch (error) {
      // An abort, or a fault of kcluster, ends the command; the hook's own failure waits for the end.
      if (!isHookFailure(error)) throw error
      failures.push(error)
    }
  }
  return {outcomes, failures}
}

function isHookFailure(error: unknown): error is HookFailedError | HookTimeoutError {
  return error instanceof HookFailedError || error instanceof HookTimeoutError
}
