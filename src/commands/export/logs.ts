import {Args, Flags} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {exportLogs, type ExportLogsResult} from '../../lifecycle/export-logs.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class ExportLogs extends KclusterCommand<ExportLogsResult> {
  static override summary = "Write the cluster's logs into one archive and print its path"
  static override description = 'Per node: the kubelet and containerd journals, crictl ps -a, every container log, the kubeadm output, docker inspect and docker logs of the node container (and of the load balancer). Cluster-wide: events, pods, the logs of every kube-system pod. kcluster.json: the kcluster version and the config the cluster was created from. A stopped node or a failing collector is written into the archive, not fatal.'
  static override examples = ['<%= config.bin %> export logs', '<%= config.bin %> export logs /tmp --name dev']
  static override args = {directory: Args.string({description: 'Folder for the archive (default: the working directory)'})}
  static override flags = {name: clusterNameFlag()}

  async run(): Promise<ExportLogsResult> {
    const {args, flags} = await this.parse(ExportLogs)
    const result = await exportLogs({name: flags.name, directory: args.directory}, {provider: this.provider(), onProgress: (m) => this.jsonEnabled() || this.logToStderr(m)})
    for (const failed of result.errors) this.logToStderr(`Warning: ${failed.file}: ${failed.error.split('\n')[0]}`)
    if (!this.jsonEnabled()) this.log(result.archive)
    return result
  }
}
