import {KclusterCommand} from '../../cli/base-command.js'
import {exportKubeconfig, type ExportKubeconfigResult} from '../../lifecycle/cluster-kubeconfig.js'
import {clusterNameFlag, kubeconfigFlag} from '../../cli/flags.js'

export default class ExportKubeconfig extends KclusterCommand<ExportKubeconfigResult> {
  static override summary = "Merge the cluster's context into a kubeconfig again and make it current"
  static override description = 'As create does: other contexts stay as they are; the file is edited under its lock and replaced atomically.'
  static override examples = ['<%= config.bin %> export kubeconfig', '<%= config.bin %> export kubeconfig --name dev --kubeconfig ./dev.kubeconfig']

  static override flags = {
    name: clusterNameFlag(),
    kubeconfig: kubeconfigFlag(),
  }

  async run(): Promise<ExportKubeconfigResult> {
    const {flags} = await this.parse(ExportKubeconfig)
    const result = await exportKubeconfig({name: flags.name, kubeconfig: flags.kubeconfig}, {provider: this.provider()})
    this.logToStderr(`Context ${result.context} in ${result.kubeconfig} is now current.`)
    return result
  }
}
