import {Flags} from '@oclif/core'
import {KclusterCommand} from '../cli/base-command.js'
import {DEFAULT_CLUSTER_NAME} from '../config/cluster-options.js'
import {deleteClusters, type DeleteResult} from '../lifecycle/delete-cluster.js'

export default class Delete extends KclusterCommand<DeleteResult> {
  static override summary = 'Delete clusters: containers, network, volumes and kubeconfig entries'
  static override examples = ['<%= config.bin %> delete', '<%= config.bin %> delete --name ci', '<%= config.bin %> delete --all']

  static override flags = {
    name: Flags.string({char: 'n', summary: 'Cluster name', default: DEFAULT_CLUSTER_NAME, exclusive: ['all']}),
    all: Flags.boolean({summary: 'Delete every kcluster cluster'}),
    kubeconfig: Flags.string({summary: 'Kubeconfig file to update (default: $KUBECONFIG or ~/.kube/config)'}),
  }

  async run(): Promise<DeleteResult> {
    const {flags} = await this.parse(Delete)
    const result = await deleteClusters({names: [flags.name], all: flags.all, kubeconfig: flags.kubeconfig}, {provider: this.provider()})
    for (const cluster of result.deleted) {
      this.logToStderr(cluster.existed ? `Deleted cluster ${cluster.name}.` : `Cluster ${cluster.name} did not exist; nothing to delete.`)
    }
    if (result.deleted.length === 0) this.logToStderr('No clusters to delete.')
    return result
  }
}
