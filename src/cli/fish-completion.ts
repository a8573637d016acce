// Fish completion for the CLI, made from the loaded commands. oclif's
// autocomplete plugin writes bash, zsh and PowerShell scripts but none for
// fish, so this one small generator covers it. Pure: commands in, script out.

export interface CompletableFlag {
  name: string
  char?: string
  /** boolean flags take no value. */
  type: 'boolean' | 'option'
  summary?: string
  description?: string
  options?: readonly string[]
  hidden?: boolean
}

export interface CompletableCommand {
  /** oclif's id, words joined by ':' ("port:add"). */
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  flags: Record<string, CompletableFlag>
}

/** Flags whose value is a path: fish offers files for them. */
const PATH_FLAGS = new Set(['config', 'kubeconfig'])

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

function oneLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.trim()
}

export function fishCompletion(bin: string, commands: CompletableCommand[], topics: Record<string, string | undefined> = {}): string {
  const fn = `__${bin.replace(/[^A-Za-z0-9]/g, '_')}`
  const visible = commands.filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id))
  const summaries = new Map(visible.map((c) => [c.id, oneLine(c.summary ?? c.description)]))
  // Sorted, a command comes before the longer ones it prefixes: the last match is the longest.
  const ids = visible.map((c) => quote(c.id.split(':').join(' '))).join(' ')
  const lines = [
    `# fish completion for ${bin}: save as ~/.config/fish/completions/${bin}.fish`,
    `# The words typed after ${bin} up to the first flag: the command and its arguments.`,
    `function ${fn}_path`,
    '    set -l words (commandline -opc)',
    '    set -l path',
    '    for word in $words[2..-1]',
    "        string match -q -- '-*' $word; and break",
    '        set path $path $word',
    '    end',
    '    string join " " -- $path',
    'end',
    '# True when exactly these words were typed so far.',
    `function ${fn}_at`,
    `    set -l path (${fn}_path)`,
    '    test "$path" = "$argv"',
    'end',
    '# True when the command typed is this one (its arguments may follow).',
    `function ${fn}_is`,
    `    set -l path (${fn}_path)`,
    '    set -l found',
    `    for id in ${ids}`,
    '        if test "$path" = "$id"; or string match -q -- "$id *" "$path"',
    '            set found $id',
    '        end',
    '    end',
    '    test "$found" = "$argv"',
    'end',
    `complete -c ${bin} -f`,
  ]
  // Every word a command path passes through, with what it offers next: "" → create, port; "port" → add, list.
  const offered = new Map<string, Map<string, string>>()
  for (const command of visible) {
    const words = command.id.split(':')
    for (let i = 0; i < words.length; i++) {
      const parent = words.slice(0, i).join(' ')
      const id = words.slice(0, i + 1).join(':')
      // A word that is both a command and a topic ("autocomplete") is described as the command.
      const next = offered.get(parent) ?? new Map<string, string>()
      next.set(words[i]!, summaries.get(id) || oneLine(topics[id]))
      offered.set(parent, next)
    }
  }
  for (const [parent, next] of offered) {
    for (const [word, description] of next) {
      lines.push(`complete -c ${bin} -n ${quote(`${fn}_at${parent ? ` ${parent}` : ''}`)} -a ${quote(word)}${description ? ` -d ${quote(description)}` : ''}`)
    }
  }
  for (const command of visible) {
    const condition = quote(`${fn}_is ${command.id.split(':').join(' ')}`)
    for (const flag of Object.values(command.flags).filter((f) => !f.hidden).sort((a, b) => a.name.localeCompare(b.name))) {
      const parts = [`complete -c ${bin} -n ${condition} -l ${flag.name}`]
      if (flag.char) parts.push(`-s ${flag.char}`)
      if (flag.type === 'option') parts.push(flag.options?.length ? `-x -a ${quote(flag.options.join(' '))}` : PATH_FLAGS.has(flag.name) ? '-r -F' : '-x')
      const description = oneLine(flag.summary ?? flag.description)
      if (description) parts.push(`-d ${quote(description)}`)
      lines.push(parts.join(' '))
    }
  }
  return `${lines.join('\n')}\n`
}
