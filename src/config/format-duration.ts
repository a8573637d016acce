// Kept free of imports so src/errors can use it without a module cycle.

const UNITS: [suffix: string, ms: number][] = [
  ['h', 3_600_000],
  ['m', 60_000],
]

/** Formats milliseconds the way Go's time.Duration prints: 5m0s, 1m30s, 1.5s, 250ms, 0s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 0) return `-${formatDuration(-ms)}`
  const whole = Math.round(ms)
  if (whole === 0) return '0s'
  if (whole < 1000) return `${whole}ms`
  let rest = whole
  let out = ''
  for (const [suffix, size] of UNITS) {
    const count = Math.floor(rest / size)
    // Go prints a larger unit's zero components once a larger unit was shown (1h0m5s).
    if (count > 0 || out !== '') out += `${count}${suffix}`
    rest -= count * size
  }
  const seconds = rest / 1000
  out += `${Number.isInteger(seconds) ? seconds : seconds.toFixed(3).replace(/0+$/, '')}s`
  return out
}
