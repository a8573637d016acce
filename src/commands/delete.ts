import {Flags} from '@oclif/core'
import {KclusterCommand} from '../cli/base-command.js'
import {parseSelector} from '../config/cluster-labels.js'
import {deleteClusters, type DeleteResult} from '../lifecycle/delete-cluster.js'
import {clusterNameFlag, kubeconfigFlag, selectorFlag} from '../cli/flags.js'

export default class Delete extends KclusterCommand<DeleteResult> {
  static override summary = 'Delete clusters: containers, network, volumes and kubeconfig entries'
  static override examples = ['<%= config.bin %> delete', '<%= config.bin %> delete --name ci', '<%= config.bin %> delete --selector run=$CI_JOB_ID', '<%= config.bin %> delete --all']

  static override flags = {
    name: clusterNameFlag(),
    all: Flags.boolean({summary: 'Delete every kcluster cluster (--name is then ignored)', exclusive: ['selector']}),
    selector: selectorFlag('Delete every cluster with this label key=value (repeatable: all must match; --name is then ignored; none matching is no error)'),
    kubeconfig: kubeconfigFlag(),
  }

  async run(): Promise<DeleteResult> {
    const {flags} = await this.parse(Delete)
    const selector = flags.selector ? parseSelector(flags.selector) : undefined
    const result = await deleteClusters({names: [flags.name], all: flags.all, selector, kubeconfig: flags.kubeconfig}, {provider: this.provider(), runner: this.stepRunner(), signal: this.abortSignal()})
    this.warnAboutHooks(result.hooks)
    for (const cluster of result.deleted) {
      this.logToStderr(cluster.existed ? `Deleted cluster ${cluster.name}.` : `Cluster ${cluster.name} did not exist; nothing to delete.`)
    }
    if (result.deleted.length === 0) this.logToStderr(selector ? 'No clusters match; nothing to delete.' : 'No clusters to delete.')
    return result
  }
}
