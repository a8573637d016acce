import {Args, Flags} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {parseDuration} from '../../config/duration.js'
import {enableAddons, type AddonsEnableResult} from '../../lifecycle/addons.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class AddonsEnable extends KclusterCommand<AddonsEnableResult> {
  static override summary = 'Install addons into a running cluster and wait until they are ready'
  static override description = 'Images are built here on first use (cached by their inputs) and loaded into every node. A failed enable removes what it applied. `kcluster addons list` names the addons.'
  static override examples = ['<%= config.bin %> addons enable metrics-server', '<%= config.bin %> addons enable registry metrics-server --name dev --json']
  static override strict = false
  static override args = {addon: Args.string({required: true, description: 'Addon name(s)'})}
  static override flags = {
    name: clusterNameFlag(),
    wait: Flags.string({summary: 'How long to wait for each addon to be ready (0 = apply and do not wait)', default: '3m'}),
    option: Flags.string({summary: 'An option of an addon, ADDON.KEY=VALUE (KEY=VALUE with one addon)', multiple: true}),
  }

  async run(): Promise<AddonsEnableResult> {
    const {argv, flags} = await this.parse(AddonsEnable)
    const result = await enableAddons(
      {name: flags.name, addons: argv as string[], options: flags.option ?? [], waitMs: parseDuration(flags.wait, 'wait')},
      {provider: this.provider(), runner: this.stepRunner(), signal: this.abortSignal(), onNote: (note) => this.logToStderr(`Note: ${note}`)},
    )
    for (const a of result.addons) {
      if (a.outcome === 'already-enabled') continue
      this.logToStderr(`${a.name} ${a.outcome === 'enabled' ? 'is ready' : 'is applied'} in ${(a.durationMs / 1000).toFixed(1)}s.${a.message ? `\n${a.message}` : ''}`)
    }
    return result
  }
}
