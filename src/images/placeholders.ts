// Fills {{NAME}} placeholders of a Dockerfile or file template. A missing or
// unused value is a mistake in the recipe, reported before any build starts.

export function fillPlaceholders(text: string, values: Record<string, string>, what: string): string {
  const used = new Set<string>()
  const filled = text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new Error(`${what}: no value for {{${key}}}`)
    used.add(key)
    return value
  })
  const unused = Object.keys(values).filter((key) => !used.has(key))
  if (unused.length > 0) throw new Error(`${what}: values not used: ${unused.join(', ')}`)
  return filled
}
