import {KclusterCommand} from '../../cli/base-command.js'
import {listAddons, type AddonsListResult} from '../../lifecycle/addons.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class AddonsList extends KclusterCommand<AddonsListResult> {
  static override summary = "List the addons kcluster offers and each one's state in a cluster (enabled, disabled, not-ready)"
  static override examples = ['<%= config.bin %> addons list', '<%= config.bin %> addons list --name dev --json']
  static override flags = {name: clusterNameFlag()}

  async run(): Promise<AddonsListResult> {
    const {flags} = await this.parse(AddonsList)
    const result = await listAddons({name: flags.name}, {provider: this.provider(), signal: this.abortSignal()})
    if (!this.jsonEnabled()) {
      for (const a of result.addons) this.log(`${a.name.padEnd(16)}${a.state.padEnd(11)}${`${a.upstream.project} ${a.upstream.version}`.padEnd(32)}${a.description}${a.detail ? `\n${' '.repeat(27)}${a.detail}` : ''}`)
    }
    return result
  }
}
