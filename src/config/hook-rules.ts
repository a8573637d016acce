// What makes a declared hook well formed. The config file is checked with
// these rules, and so is a spec a library caller builds by hand, before a
// create runs any of it.
import type {InputProblem} from '../errors/index.js'
import {HOOK_EVENTS, type HookSpecs} from './cluster-spec.js'
import {parseDuration} from './duration.js'
import {fieldPath} from './field-path.js'

/** Set by kcluster for every hook; a hook's own env must not hide them. */
export const HOOK_ENV_NAMES = ['KCLUSTER_EVENT', 'KCLUSTER_CLUSTER', 'KCLUSTER_CONTEXT', 'KCLUSTER_SERVER', 'KUBECONFIG'] as const

/** Goes into a step id (hook:<event>:<name>): no spaces or colons. */
const HOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function hookProblems(hooks: HookSpecs | undefined): InputProblem[] {
  const problems: InputProblem[] = []
  for (const event of HOOK_EVENTS) {
    const seen = new Map<string, number>()
    for (const [index, hook] of (hooks?.[event] ?? []).entries()) {
      const at = `hooks.${event}[${index}]`
      const problem = (field: string, message: string) => problems.push({field: fieldPath(at, field), message})
      if (hook.name !== undefined) {
        if (!HOOK_NAME.test(hook.name)) problem('name', `${JSON.stringify(hook.name)} is not a hook name: letters, digits, '.', '_' and '-', at most 63, starting with a letter or digit`)
        else if (seen.has(hook.name)) problem('name', `${hook.name} names hooks.${event}[${seen.get(hook.name)}] already; give each hook of an event its own name`)
        else seen.set(hook.name, index)
      }
      // A command that did not decode is reported already.
      if (hook.command === undefined) {
        // nothing more to say
      } else if (typeof hook.command === 'string') {
        if (hook.command.trim() === '') problem('command', 'must not be empty')
      } else if (hook.command.length === 0 || hook.command[0] === '') {
        problem('command', 'must name a program first, e.g. [kubectl, get, nodes]')
      }
      if (hook.timeout !== undefined) {
        const ms = durationMs(hook.timeout)
        if (ms === undefined) problem('timeout', `invalid duration ${JSON.stringify(hook.timeout)}: use a number with a unit (ms, s, m, h), e.g. 30s or 2m`)
        else if (ms <= 0) problem('timeout', `must be more than 0 (got ${JSON.stringify(hook.timeout)})`)
      }
      for (const name of Object.keys(hook.env ?? {})) {
        if (!ENV_NAME.test(name)) problems.push({field: fieldPath(`${at}.env`, name), message: 'is not an environment variable name: letters, digits and _, not starting with a digit'})
        else if ((HOOK_ENV_NAMES as readonly string[]).includes(name)) problems.push({field: fieldPath(`${at}.env`, name), message: 'is set by kcluster for every hook and cannot be replaced'})
      }
      if (hook.workingDir === '') problem('workingDir', 'must not be empty (leave it out for the directory create runs in)')
    }
  }
  return problems
}

function durationMs(text: string): number | undefined {
  try {
    return parseDuration(text)
  } catch {
    return undefined
  }
}
