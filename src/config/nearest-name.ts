// "did you mean …?" for misspelt field names and values.

/** Edit distance (insert, delete, substitute, swap two neighbours), ignoring case: readonly ≈ readOnly. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  const rows: number[][] = Array.from({length: s.length + 1}, (_, i) => Array.from({length: t.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = best
    }
  }
  return rows[s.length]![t.length]!
}

/** The known name closest to `name`, when it is close enough to be a slip of the keyboard. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)))
  let best: {name: string; distance: number} | undefined
  for (const candidate of known) {
    const distance = editDistance(name, candidate)
    if (distance <= limit && (best === undefined || distance < best.distance)) best = {name: candidate, distance}
  }
  // A name cut short (ClusterConfig) is as much a slip as a typo.
  return best?.name ?? (name.length >= 6 ? known.find((candidate) => candidate.toLowerCase().startsWith(name.toLowerCase())) : undefined)
}
