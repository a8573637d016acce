// What scripts rely on in oclif.manifest.json: each command's flags and
// arguments and how they parse. Prose (summaries, examples) is left out so
// rewording a help text is not a contract change.

type Entry = Record<string, unknown>

const FLAG_FIELDS = ['type', 'char', 'aliases', 'charAliases', 'env', 'default', 'options', 'multiple', 'required', 'allowNo', 'exclusive', 'dependsOn', 'exactlyOne', 'relationships', 'hidden', 'deprecated'] as const
const ARG_FIELDS = ['required', 'default', 'options', 'multiple', 'hidden'] as const
const COMMAND_FIELDS = ['aliases', 'strict', 'hidden', 'deprecated', 'enableJsonFlag'] as const

function pick(entry: Entry, fields: readonly string[]): Entry {
  const out: Entry = {}
  for (const field of fields) {
    const value = entry[field]
    // Empty lists and unset values say nothing; leaving them out keeps the snapshot to what is set.
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue
    out[field] = value
  }
  return out
}

function byName(entries: Record<string, Entry>, fields: readonly string[]): Record<string, Entry> {
  return Object.fromEntries(Object.keys(entries).sort().map((name) => [name, pick(entries[name]!, fields)]))
}

/** The manifest's commands by id as typed ("port add"), with their flags and arguments. */
export function cliSurface(manifest: {commands: Record<string, Entry>}, separator = ' '): Record<string, Entry> {
  const commands = Object.values(manifest.commands).map((command) => [String(command.id).replaceAll(':', separator), command] as const)
  return Object.fromEntries(
    commands
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, command]) => [
        id,
        {
          ...pick(command, COMMAND_FIELDS),
          // Arguments are positional: their order is part of the contract.
          args: Object.entries((command.args ?? {}) as Record<string, Entry>).map(([name, arg]) => ({name, ...pick(arg, ARG_FIELDS)})),
          flags: byName((command.flags ?? {}) as Record<string, Entry>, FLAG_FIELDS),
        },
      ]),
  )
}
