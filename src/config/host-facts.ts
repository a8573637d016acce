// What a config may ask of this machine that the machine may not give. Read
// once, then passed in, so validation stays pure and tests choose the host.
import {existsSync, readFileSync} from 'node:fs'

/** What of the host matters to a plan (IPv6, IPVS), read from /proc. */
export interface HostFacts {
  /** An IPv6 address beyond loopback and link-local is configured. */
  hasIpv6: boolean
  /** The kernel's IPVS is loaded (kube-proxy's ipvs mode needs it and cannot load it from a node). */
  hasIpvs: boolean
}

export const HOST_FACT_FILES = {ifInet6: '/proc/net/if_inet6', ipVs: '/proc/net/ip_vs'}

/** Reads this host's HostFacts. */
export function readHostFacts(files: typeof HOST_FACT_FILES = HOST_FACT_FILES): HostFacts {
  let ifInet6 = ''
  try {
    ifInet6 = readFileSync(files.ifInet6, 'utf8')
  } catch {
    // No such file: the kernel has no IPv6 at all.
  }
  return {hasIpv6: hasUsableIpv6(ifInet6), hasIpvs: existsSync(files.ipVs)}
}

/** From /proc/net/if_inet6 (32 hex digits per address first on each line): loopback ::1 and link-local fe80::/10 do not count. */
export function hasUsableIpv6(ifInet6: string): boolean {
  return ifInet6
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .some((hex) => /^[0-9a-f]{32}$/i.test(hex) && hex !== `${'0'.repeat(31)}1` && !/^fe[89ab]/i.test(hex))
}
