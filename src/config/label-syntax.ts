// Kubernetes label syntax: [prefix/]name, where the prefix is a DNS subdomain.
const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/')
  const prefix = slash < 0 ? undefined : key.slice(0, slash)
  const name = slash < 0 ? key : key.slice(slash + 1)
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `the prefix ${JSON.stringify(prefix)} must be a DNS subdomain (lowercase letters, digits, '-' and '.'), at most 253 characters`
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return "a label name has at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
  }
  return undefined
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '' || (value.length <= 63 && NAME.test(value))) return undefined
  return `the value ${JSON.stringify(value)} must have at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit`
}
