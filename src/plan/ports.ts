// Ports published after create (`kcluster port add`): what the user typed,
// and where on the cluster network a port's front container may live. Pure,
// so every rule is tested as a table.
import {InvalidInputError} from '../errors/index.js'
import {addressAt, formatIpv4, parseIpv4, parseSubnet, subnetSize} from './ipv4.js'

export type FrontProtocol = 'tcp' | 'udp'
export const FRONT_PROTOCOLS: readonly FrontProtocol[] = ['tcp', 'udp']

// Fronts take addresses from the top of the cluster's /24 downwards, nodes
// from the bottom up (.2 load balancer, .10 control planes, .100 workers), so
// the two meet only in a cluster of more than a hundred workers; addresses in
// use are skipped either way.
export const FRONT_HIGHEST_OFFSET = 254
export const FRONT_LOWEST_OFFSET = 200

export interface PortMappingArgument {
  hostPort: number
  nodePort: number
}

function portNumber(text: string): number | undefined {
  if (!/^[1-9]\d{0,4}$/.test(text)) return undefined
  const port = Number(text)
  return port <= 65_535 ? port : undefined
}

/** "8080:30080" → host port 8080 forwarded to node port 30080. */
export function parsePortMapping(text: string): PortMappingArgument {
  const match = /^\s*(\d+):(\d+)\s*$/.exec(text)
  const hostPort = match ? portNumber(match[1]!) : undefined
  const nodePort = match ? portNumber(match[2]!) : undefined
  if (hostPort === undefined || nodePort === undefined) {
    throw new InvalidInputError([{field: 'HOSTPORT:NODEPORT', message: `must be two port numbers from 1 to 65535, e.g. 8080:30080 (got ${JSON.stringify(text)})`}])
  }
  return {hostPort, nodePort}
}

/** A host port alone, as `port remove` takes it. */
export function parseHostPort(text: string): number {
  const port = portNumber(text.trim())
  if (port === undefined) throw new InvalidInputError([{field: 'HOSTPORT', message: `must be a port number from 1 to 65535 (got ${JSON.stringify(text)})`}])
  return port
}

/** The address on the host a front listens on: IPv4, as the cluster networks are. */
export function parseListenAddress(text: string): string {
  const value = parseIpv4(text.trim())
  if (value === undefined) throw new InvalidInputError([{field: '--listen', message: `must be an IPv4 address of this machine, e.g. 127.0.0.1 or 0.0.0.0 for every address (got ${JSON.stringify(text)})`}])
  return formatIpv4(value)
}

export function parseFrontProtocol(text: string): FrontProtocol {
  const protocol = text.trim().toLowerCase()
  if (!(FRONT_PROTOCOLS as readonly string[]).includes(protocol)) throw new InvalidInputError([{field: '--protocol', message: `must be tcp or udp (got ${JSON.stringify(text)})`}])
  return protocol as FrontProtocol
}

/** The highest free address of the front range of `subnet`, or undefined when every one is taken. */
export function chooseFrontAddress(subnet: string, inUse: readonly string[]): string | undefined {
  const parsed = parseSubnet(subnet)
  if (!parsed) throw new RangeError(`not an IPv4 subnet: ${subnet}`)
  const taken = new Set(inUse)
  // The last address of the subnet is its broadcast address.
  const highest = Math.min(FRONT_HIGHEST_OFFSET, subnetSize(parsed) - 2)
  for (let offset = highest; offset >= FRONT_LOWEST_OFFSET; offset--) {
    const candidate = addressAt(parsed, offset)
    if (!taken.has(candidate)) return candidate
  }
  return undefined
}

const EVERY_ADDRESS = new Set(['0.0.0.0', '::', ''])

/** Two binds of one port and protocol collide when their addresses are equal or either is every address. */
export function bindsCollide(a: {hostAddress: string; hostPort: number; protocol: string}, b: {hostAddress: string; hostPort: number; protocol: string}): boolean {
  return a.hostPort === b.hostPort && a.protocol === b.protocol && (a.hostAddress === b.hostAddress || EVERY_ADDRESS.has(a.hostAddress) || EVERY_ADDRESS.has(b.hostAddress))
}
