/** Node containers are named kcluster-<name>-control-plane; Docker, hostnames and labels all want them short. */
export const MAX_CLUSTER_NAME_LENGTH = 40

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Returns what is wrong with a cluster name, or undefined when it is acceptable. */
export function validateClusterName(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty'
  if (name.length > MAX_CLUSTER_NAME_LENGTH) {
    return `must be at most ${MAX_CLUSTER_NAME_LENGTH} characters (got ${name.length}), so node container names stay within host name limits`
  }
  if (!DNS_1123_LABEL.test(name)) {
    return `must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (got ${JSON.stringify(name)})`
  }
  return undefined
}
