// Where the API server listens and how clients reach it: one place for the values.

/** Its port inside a node, and behind the load balancer. */
export const API_SERVER_PORT = 6443
/** Where it is published on the host unless the spec says otherwise. */
export const DEFAULT_API_SERVER_ADDRESS = '127.0.0.1'

/** The address a client on this machine dials for a server published on `address`: every-address means loopback. */
export function clientAddress(address: string): string {
  if (address === '' || address === '0.0.0.0') return '127.0.0.1'
  if (address === '::' || address === '[::]') return '[::1]'
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address
}
