import {KclusterCommand} from '../cli/base-command.js'
import {stopCluster, type StopResult} from '../lifecycle/stop-cluster.js'
import {clusterNameFlag, kubeconfigFlag} from '../cli/flags.js'

export default class Stop extends KclusterCommand<StopResult> {
  static override summary = 'Stop every container of a cluster; `kcluster start` brings it back as it was'
  static override examples = ['<%= config.bin %> stop', '<%= config.bin %> stop --name dev --json']

  static override flags = {
    name: clusterNameFlag(),
    kubeconfig: kubeconfigFlag('Kubeconfig file named to hooks as KUBECONFIG (default: $KUBECONFIG or ~/.kube/config); stop never writes it'),
  }

  async run(): Promise<StopResult> {
    const {flags} = await this.parse(Stop)
    const result = await stopCluster({name: flags.name, kubeconfig: flags.kubeconfig}, {provider: this.provider(), runner: this.stepRunner(), signal: this.abortSignal()})
    this.warnAboutHooks(result.hooks)
    this.logToStderr(
      result.stopped.length === 0
        ? `Cluster ${result.name} was stopped already.`
        : `Stopped cluster ${result.name} (${result.stopped.length} containers) in ${(result.durationMs / 1000).toFixed(1)}s. \`kcluster start --name ${result.name}\` brings it back.`,
    )
    return result
  }
}
