import {Args, Flags} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {removePort, type PortRemoveResult} from '../../lifecycle/ports.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class PortRemove extends KclusterCommand<PortRemoveResult> {
  static override summary = 'Stop publishing a host port added with `port add`'
  static override description = 'Ports published at create are part of their node container and cannot be removed. A port that is not there is a note, not an error.'
  static override examples = ['<%= config.bin %> port remove 8080', '<%= config.bin %> port remove 5353 --protocol udp --name dev']
  static override args = {hostPort: Args.string({required: true, description: 'HOSTPORT'})}
  static override flags = {
    name: clusterNameFlag(),
    listen: Flags.string({summary: 'Host address it was published on (needed only when the port is published on several)'}),
    protocol: Flags.string({summary: 'Protocol', options: ['tcp', 'udp'], default: 'tcp'}),
  }

  async run(): Promise<PortRemoveResult> {
    const {args, flags} = await this.parse(PortRemove)
    const result = await removePort({name: flags.name, hostPort: args.hostPort, listen: flags.listen, protocol: flags.protocol}, {provider: this.provider()})
    this.logToStderr(result.port ? `Removed ${result.port.hostAddress}:${result.port.hostPort}/${result.port.protocol}.` : `Host port ${args.hostPort}/${flags.protocol} is not forwarded in cluster ${flags.name}; nothing to remove.`)
    return result
  }
}
