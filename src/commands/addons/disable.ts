import {Args} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {disableAddons, type AddonsDisableResult} from '../../lifecycle/addons.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class AddonsDisable extends KclusterCommand<AddonsDisableResult> {
  static override summary = 'Remove addons from a cluster: exactly what they installed, nothing else'
  static override examples = ['<%= config.bin %> addons disable metrics-server', '<%= config.bin %> addons disable storage --name dev']
  static override strict = false
  static override args = {addon: Args.string({required: true, description: 'Addon name(s)'})}
  static override flags = {name: clusterNameFlag()}

  async run(): Promise<AddonsDisableResult> {
    const {argv, flags} = await this.parse(AddonsDisable)
    const result = await disableAddons({name: flags.name, addons: argv as string[]}, {provider: this.provider(), runner: this.stepRunner(), signal: this.abortSignal(), onNote: (note) => this.logToStderr(`Note: ${note}`)})
    for (const a of result.addons) if (a.outcome === 'disabled') this.logToStderr(`${a.name} is disabled (${a.removed} objects removed).`)
    return result
  }
}
