// The addresses of the load-balancer addon, decided purely from the cluster's
// network. Nodes take the bottom of the cluster's /24 (.2 the API server's
// load balancer, .10 control planes, .100 workers), port fronts its top
// (.254 down to .200), and Docker gives containers without a fixed address
// (addon host containers) the lowest free one. So the default pool is
// .150-.199: clear of all of them unless a cluster has more than 50 workers,
// which the check against the nodes catches. A larger network keeps its top
// 64 addresses (below broadcast), above anything planned.
import {FRONT_HIGHEST_OFFSET, FRONT_LOWEST_OFFSET} from '../plan/ports.js'
import {addressAt, formatIpv4, parseIpv4, parseSubnet, subnetSize} from '../plan/ipv4.js'
import type {AddonValues} from './addon.js'

export const POOL_SIZE = 50
const LARGE_POOL_SIZE = 64

export interface IpRange {
  first: number
  last: number
}

/** "a.b.c.d-e.f.g.h" or "a.b.c.d/nn" → range; undefined with no problem for "" (the default). */
export function parseRange(text: string): {range?: IpRange; problem?: string} {
  const trimmed = text.trim()
  if (trimmed === '') return {}
  if (trimmed.includes('/')) {
    const subnet = parseSubnet(trimmed)
    if (!subnet) return {problem: `${JSON.stringify(text)} is not an IPv4 CIDR with no host bits set, e.g. 172.30.0.160/27`}
    return {range: {first: subnet.base, last: subnet.base + subnetSize(subnet) - 1}}
  }
  const parts = trimmed.split('-').map((p) => p.trim())
  const [first, last] = parts.map(parseIpv4)
  if (parts.length !== 2 || first === undefined || last === undefined) return {problem: `${JSON.stringify(text)} is not FIRST-LAST of two IPv4 addresses or a CIDR, e.g. 172.30.0.150-172.30.0.199`}
  if (first > last) return {problem: `${formatIpv4(first)} comes after ${formatIpv4(last)}: write the lower address first`}
  return {range: {first, last}}
}

/** What is wrong with the option's text alone (the cluster is checked by poolOf). */
export function rangeProblem(text: string): string | undefined {
  return parseRange(text).problem
}

export function formatRange({first, last}: IpRange): string {
  return `${formatIpv4(first)}-${formatIpv4(last)}`
}

/** The default pool of a network: .150-.199 of a /24, the top 64 addresses of a larger one; undefined when it is smaller. */
export function defaultPool(subnet: string): IpRange | undefined {
  const parsed = parseSubnet(subnet)
  if (!parsed) return undefined
  const size = subnetSize(parsed)
  if (size === 256) return {first: parsed.base + FRONT_LOWEST_OFFSET - POOL_SIZE, last: parsed.base + FRONT_LOWEST_OFFSET - 1}
  if (size > 256) return {first: parsed.base + size - 1 - LARGE_POOL_SIZE, last: parsed.base + size - 2}
  return undefined
}

/**
 * The pool for this cluster, as MetalLB writes a range, or what is wrong with
 * it: an override must lie inside the network and leave out its network and
 * broadcast addresses, the gateway and every node.
 */
export function poolOf(values: Pick<AddonValues, 'network' | 'nodes' | 'options'> & Partial<Pick<AddonValues, 'apiServer'>>): {range: string; problem?: string} {
  const subnet = parseSubnet(values.network.subnet)
  if (!subnet) return {range: '', problem: `the cluster network ${values.network.name} has no IPv4 subnet (${JSON.stringify(values.network.subnet)})`}
  const given = parseRange(String(values.options.range ?? ''))
  if (given.problem) return {range: '', problem: given.problem}
  const range = given.range ?? defaultPool(values.network.subnet)
  if (!range) return {range: '', problem: `the cluster network ${values.network.subnet} is smaller than a /24: give the addresses with the option range`}
  const text = formatRange(range)
  const network = subnet.base
  const broadcast = subnet.base + subnetSize(subnet) - 1
  if (range.first < network || range.last > broadcast) return {range: text, problem: `${text} is not inside the cluster network ${values.network.subnet}`}
  const reserved: [number, string][] = [
    [network, 'the network address'],
    [broadcast, 'the broadcast address'],
    [parseIpv4(values.network.gateway) ?? parseIpv4(addressAt(subnet, 1))!, 'the gateway'],
    ...values.nodes.map((n): [number, string] => [parseIpv4(n.ipv4) ?? -1, `node ${n.name}`]),
    ...(values.apiServer && !values.nodes.some((n) => n.ipv4 === values.apiServer!.host) ? [[parseIpv4(values.apiServer.host) ?? -1, "the API server's load balancer"] as [number, string]] : []),
  ]
  // Port fronts take addresses of this span as they come, unknown to MetalLB.
  const fronts = {first: subnet.base + FRONT_LOWEST_OFFSET, last: subnet.base + Math.min(FRONT_HIGHEST_OFFSET, subnetSize(subnet) - 2)}
  if (fronts.first <= fronts.last && range.first <= fronts.last && range.last >= fronts.first) return {range: text, problem: `${text} reaches into ${formatRange(fronts)}, where port fronts (\`kcluster port add\`) get their addresses: choose addresses below ${formatIpv4(fronts.first)}`}
  const clash = reserved.filter(([address]) => address >= range.first && address <= range.last)
  if (clash.length > 0) return {range: text, problem: `${text} holds ${clash.map(([address, what]) => `${formatIpv4(address)} (${what})`).join(', ')}: choose addresses no one else has`}
  return {range: text}
}
