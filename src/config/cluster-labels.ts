// Labels a user gives a cluster (`create --label key=value`, `labels:` in the
// config file) and the selectors that find clusters by them (`list`, `delete`
// and `prune --selector key=value`). Keys and values follow Kubernetes label
// syntax, so a selector reads the same here as in kubectl.
import {InvalidInputError, type InputProblem} from '../errors/index.js'
import {labelKeyProblem, labelValueProblem} from './label-syntax.js'

/** Every `key=value` pair must hold; an empty selector matches everything. */
export type Selector = Record<string, string>

/** Parses `key=value` arguments; problems are collected under `field`, each naming the argument. */
export function parseKeyValues(texts: readonly string[], field: string, problems: InputProblem[]): Record<string, string> {
  const pairs: Record<string, string> = {}
  for (const text of texts) {
    const equals = text.indexOf('=')
    if (equals < 0) {
      problems.push({field, message: `${JSON.stringify(text)} is not key=value (e.g. team=payments)`})
      continue
    }
    const key = text.slice(0, equals)
    const value = text.slice(equals + 1)
    const problem = labelKeyProblem(key) ?? labelValueProblem(value)
    if (problem) problems.push({field, message: `${JSON.stringify(text)}: ${problem}`})
    else if (key in pairs && pairs[key] !== value) problems.push({field, message: `${JSON.stringify(key)} is given twice, as ${JSON.stringify(pairs[key])} and ${JSON.stringify(value)}`})
    else pairs[key] = value
  }
  return pairs
}

/** `--selector` arguments → a selector; throws InvalidInputError (exit 3) naming the field. */
export function parseSelector(texts: readonly string[] = [], field = 'selector'): Selector {
  const problems: InputProblem[] = []
  const selector = parseKeyValues(texts, field, problems)
  if (problems.length > 0) throw new InvalidInputError(problems)
  return selector
}

export function matchesSelector(labels: Record<string, string>, selector: Selector): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value)
}

/** "a=1,b=2", for people. */
export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}
