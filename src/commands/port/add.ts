import {Args, Flags} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {addPort, DEFAULT_LISTEN_ADDRESS, type PortAddResult} from '../../lifecycle/ports.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class PortAdd extends KclusterCommand<PortAddResult> {
  static override summary = 'Publish a host port and forward it to a port of a node, without restarting anything'
  static override description = 'A small front container on the cluster network publishes HOSTPORT and forwards it to NODEPORT on the node (a NodePort Service, a hostPort pod). It is removed with `port remove` or with the cluster.'
  static override examples = ['<%= config.bin %> port add 8080:30080', '<%= config.bin %> port add 5353:30053 --protocol udp --node dev-worker2 --name dev']
  static override args = {mapping: Args.string({required: true, description: 'HOSTPORT:NODEPORT'})}
  static override flags = {
    name: clusterNameFlag(),
    node: Flags.string({summary: 'Kubernetes node name to forward to (default: the first control plane)'}),
    listen: Flags.string({summary: 'Host address to publish on (0.0.0.0: every address)', default: DEFAULT_LISTEN_ADDRESS}),
    protocol: Flags.string({summary: 'Protocol', options: ['tcp', 'udp'], default: 'tcp'}),
  }

  async run(): Promise<PortAddResult> {
    const {args, flags} = await this.parse(PortAdd)
    const result = await addPort({name: flags.name, mapping: args.mapping, node: flags.node, listen: flags.listen, protocol: flags.protocol}, {provider: this.provider(), signal: this.abortSignal(), onProgress: (m) => this.jsonEnabled() || this.logToStderr(m)})
    const {port} = result
    this.logToStderr(`${port.hostAddress}:${port.hostPort}/${port.protocol} now forwards to ${port.node}:${port.nodePort} (${port.container}).`)
    return result
  }
}
