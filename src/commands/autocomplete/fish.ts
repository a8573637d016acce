import os from 'node:os'
import path from 'node:path'
import {KclusterCommand} from '../../cli/base-command.js'
import {fishCompletion, type CompletableCommand} from '../../cli/fish-completion.js'

export interface FishCompletionResult {
  shell: 'fish'
  /** Where fish loads it from on demand. */
  path: string
  script: string
}

export default class AutocompleteFish extends KclusterCommand<FishCompletionResult> {
  static override summary = 'Print the fish completion script (bash, zsh: `autocomplete bash|zsh`)'
  static override description = 'The script goes on stdout, where to save it on stderr. fish loads it on demand from its completions folder; run this again after an upgrade of kcluster.'
  static override examples = ['<%= config.bin %> autocomplete fish > ~/.config/fish/completions/<%= config.bin %>.fish']

  async run(): Promise<FishCompletionResult> {
    await this.parse(AutocompleteFish)
    const commands = this.config.commands as unknown as CompletableCommand[]
    const topics = Object.fromEntries(this.config.topics.map((t) => [t.name, t.description]))
    const script = fishCompletion(this.config.bin, commands, topics)
    const folder = path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'fish', 'completions')
    const target = path.join(folder, `${this.config.bin}.fish`)
    if (!this.jsonEnabled()) {
      process.stdout.write(script)
      this.logToStderr(`Save it where fish finds it: ${this.config.bin} autocomplete fish > ${target}`)
    }
    return {shell: 'fish', path: target, script}
  }
}
