import {InvalidInputError} from '../errors/index.js'

export {formatDuration} from './format-duration.js'

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

const DURATION = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/
const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g

/**
 * Parses a Go-style duration (90s, 5m, 1m30s, 250ms, 1.5h, 0) into milliseconds.
 * Negative values parse so that callers can report "must be >= 0" themselves.
 */
export function parseDuration(text: string, field = 'wait'): number {
  const trimmed = text.trim()
  const invalid = () =>
    new InvalidInputError([{field, message: `invalid duration ${JSON.stringify(text)}: use a number with a unit (ms, s, m, h), e.g. 90s, 5m or 1m30s`}])
  if (/^[+-]?0+$/.test(trimmed)) return 0
  if (!DURATION.test(trimmed)) throw invalid()
  let ms = 0
  for (const match of trimmed.matchAll(COMPONENT)) ms += Number(match[1]) * UNIT_MS[match[2]!]!
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER) throw invalid()
  const rounded = Math.round(ms)
  return trimmed.startsWith('-') && rounded !== 0 ? -rounded : rounded
}
