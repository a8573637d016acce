import {Flags} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {DEFAULT_CLUSTER_NAME} from '../../config/cluster-options.js'
import {exportKubeconfig, type ExportKubeconfigResult} from '../../lifecycle/cluster-kubeconfig.js'

export default class ExportKubeconfig extends KclusterCommand<ExportKubeconfigResult> {
  static override summary = "Merge the cluster's context into a kubeconfig again and make it current"
  static override description = 'As create does: other contexts stay as they are; the file is edited under its lock and replaced atomically.'
  static override examples = ['<%= config.bin %> export kubeconfig', '<%= config.bin %> export kubeconfig --name dev --kubeconfig ./dev.kubeconfig']

  static override flags = {
    name: Flags.string({char: 'n', summary: 'Cluster name', default: DEFAULT_CLUSTER_NAME}),
    kubeconfig: Flags.string({summary: 'Kubeconfig file to update (default: $KUBECONFIG or ~/.kube/config)'}),
  }

  async run(): Promise<ExportKubeconfigResult> {
    const {flags} = await this.parse(ExportKubeconfig)
    const result = await exportKubeconfig({name: flags.name, kubeconfig: flags.kubeconfig}, {provider: this.provider()})
    this.logToStderr(`Context ${result.context} in ${result.kubeconfig} is now current.`)
    return result
  }
}
