// IPv4 arithmetic for planning: subnets as numbers, so overlap and offsets are exact.

export interface Ipv4Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number
  prefix: number
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined
  return parts.reduce((n, p) => n * 256 + Number(p), 0)
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

/** "10.96.0.0/16" → subnet; undefined when not a valid IPv4 CIDR or host bits are set. */
export function parseSubnet(text: string): Ipv4Subnet | undefined {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim())
  if (!match) return undefined
  const base = parseIpv4(match[1]!)
  const prefix = Number(match[2])
  if (base === undefined || prefix > 32) return undefined
  if (base % subnetSize({base: 0, prefix}) !== 0) return undefined
  return {base, prefix}
}

export function formatSubnet(subnet: Ipv4Subnet): string {
  return `${formatIpv4(subnet.base)}/${subnet.prefix}`
}

export function subnetSize(subnet: Ipv4Subnet): number {
  return 2 ** (32 - subnet.prefix)
}

export function overlaps(a: Ipv4Subnet, b: Ipv4Subnet): boolean {
  return a.base < b.base + subnetSize(b) && b.base < a.base + subnetSize(a)
}

/** The address `offset` places into the subnet (1 = the first host). */
export function addressAt(subnet: Ipv4Subnet, offset: number): string {
  if (offset < 0 || offset >= subnetSize(subnet)) throw new RangeError(`offset ${offset} is outside ${formatSubnet(subnet)}`)
  return formatIpv4(subnet.base + offset)
}

/** The subnets of length `prefix` inside `pool`, in order. */
export function* subnetsOf(pool: Ipv4Subnet, prefix: number): Generator<Ipv4Subnet> {
  const size = 2 ** (32 - prefix)
  for (let base = pool.base; base < pool.base + subnetSize(pool); base += size) yield {base, prefix}
}
