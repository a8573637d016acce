// An addon's options: given ones checked against what the addon declares,
// the rest defaulted. Every problem is named with its field path.
import type {InputProblem} from '../errors/index.js'
import {nearestName} from '../config/nearest-name.js'
import type {Addon, OptionValue} from './addon.js'

/** From the command line every value is text: "true", "80". */
export function parseOptionText(text: string): OptionValue {
  if (text === 'true' || text === 'false') return text === 'true'
  return /^-?\d+$/.test(text) ? Number(text) : text
}

/**
 * The addon's options with defaults filled in, and the problems of those
 * given; `at` is the field path of the options ("addons[1].options", "--option").
 */
export function resolveOptions(addon: Addon, given: Record<string, OptionValue>, at: string): {options: Record<string, OptionValue>; problems: InputProblem[]} {
  const declared = addon.options ?? []
  const problems: InputProblem[] = []
  const options: Record<string, OptionValue> = Object.fromEntries(declared.map((o) => [o.name, o.default]))
  for (const [name, raw] of Object.entries(given)) {
    const field = `${at}.${name}`
    const option = declared.find((o) => o.name === name)
    if (!option) {
      const near = nearestName(name, declared.map((o) => o.name))
      const known = declared.length > 0 ? `its options are ${declared.map((o) => o.name).join(', ')}` : 'it has no options'
      problems.push({field, message: `${addon.name} has no option ${JSON.stringify(name)}${near ? `; did you mean ${near}?` : `; ${known}`}`})
      continue
    }
    // Text from a flag or a quoted YAML value stands for what it spells.
    const value = typeof raw === 'string' && option.type !== 'string' ? parseOptionText(raw) : raw
    const wrong = typeProblem(option.type, value) ?? (option.enum && !option.enum.includes(String(value)) ? `must be one of ${option.enum.join(', ')} (got ${JSON.stringify(value)})` : undefined) ?? option.check?.(value)
    if (wrong) problems.push({field, message: wrong})
    else options[name] = value
  }
  return {options, problems}
}

function typeProblem(type: 'string' | 'integer' | 'boolean', value: OptionValue): string | undefined {
  if (type === 'string') return typeof value === 'string' ? undefined : `must be text (got ${JSON.stringify(value)})`
  if (type === 'boolean') return typeof value === 'boolean' ? undefined : `must be true or false (got ${JSON.stringify(value)})`
  return typeof value === 'number' && Number.isInteger(value) ? undefined : `must be a whole number (got ${JSON.stringify(value)})`
}

/** The address a host client dials for a port published on listenAddress (all addresses → loopback). */
export function reachableAddress(listenAddress: OptionValue): string {
  return listenAddress === '0.0.0.0' ? '127.0.0.1' : String(listenAddress)
}
