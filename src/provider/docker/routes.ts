// This machine's IPv4 routes, so a new cluster network never shadows a VPN or LAN.

/** Subnets of /proc/net/route (little-endian hex), the default route left out. */
export function routedSubnets(procNetRoute: string): string[] {
  const subnets: string[] = []
  for (const line of procNetRoute.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 8) continue
    const destination = littleEndianHex(fields[1]!)
    const mask = littleEndianHex(fields[7]!)
    if (destination === undefined || mask === undefined || mask === 0) continue
    const prefix = 32 - Math.log2(2 ** 32 - mask)
    if (!Number.isInteger(prefix)) continue
    subnets.push(`${[24, 16, 8, 0].map((s) => Math.floor(destination / 2 ** s) % 256).join('.')}/${prefix}`)
  }
  return subnets
}

function littleEndianHex(hex: string): number | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined
  const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16)).reverse()
  return bytes.reduce((n, b) => n * 256 + b, 0)
}
