import {KclusterCommand} from '../../cli/base-command.js'
import {listPorts, type PortListResult} from '../../lifecycle/ports.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class PortList extends KclusterCommand<PortListResult> {
  static override summary = 'List every host port of a cluster: published at create and added since'
  static override examples = ['<%= config.bin %> port list', '<%= config.bin %> port list --name dev --json']
  static override flags = {name: clusterNameFlag()}

  async run(): Promise<PortListResult> {
    const {flags} = await this.parse(PortList)
    const result = await listPorts({name: flags.name}, {provider: this.provider()})
    if (!this.jsonEnabled()) {
      if (result.ports.length === 0) this.logToStderr(`Cluster ${flags.name} publishes no ports.`)
      for (const p of result.ports) {
        const target = p.source === 'create' ? `${p.node} container port ${p.containerPort}` : `${p.node}:${p.nodePort}`
        this.log(`${p.hostAddress}:${p.hostPort}/${p.protocol}\t${target}\t${p.source}\t${p.container} (${p.state})`)
      }
    }
    return result
  }
}
