// Checks shared by addon options: a sentence saying what is wrong, or undefined.
import type {OptionValue} from './addon.js'

export function portProblem(value: OptionValue): string | undefined {
  return typeof value === 'number' && value >= 1 && value <= 65535 ? undefined : `must be a port number from 1 to 65535 (got ${JSON.stringify(value)})`
}

export function ipv4Problem(value: OptionValue): string | undefined {
  const parts = String(value).split('.')
  const valid = parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)
  return valid ? undefined : `must be an IPv4 address such as 127.0.0.1 or 0.0.0.0 (got ${JSON.stringify(value)})`
}
