import {Flags} from '@oclif/core'
import {KclusterCommand} from '../cli/base-command.js'
import {DEFAULT_CLUSTER_NAME, DEFAULT_WAIT} from '../config/cluster-options.js'
import {parseDuration} from '../config/duration.js'
import {startCluster, type StartResult} from '../lifecycle/start-cluster.js'
import {clusterNameFlag, kubeconfigFlag} from '../cli/flags.js'

export default class Start extends KclusterCommand<StartResult> {
  static override summary = 'Start a stopped cluster and wait until it serves again; repairs one that came back out of order'
  static override examples = ['<%= config.bin %> start', '<%= config.bin %> start --name dev --wait 2m --json']

  static override flags = {
    name: clusterNameFlag(),
    wait: Flags.string({summary: 'How long to wait for Ready nodes and answering DNS (0 = do not wait)', default: DEFAULT_WAIT}),
    kubeconfig: kubeconfigFlag('Kubeconfig file whose context is checked (default: $KUBECONFIG or ~/.kube/config); start never writes it'),
  }

  async run(): Promise<StartResult> {
    const {flags} = await this.parse(Start)
    const waitMs = parseDuration(flags.wait)
    const result = await startCluster({name: flags.name, waitMs, kubeconfig: flags.kubeconfig}, {provider: this.provider(), runner: this.stepRunner(), signal: this.abortSignal()})
    this.warnAboutHooks(result.hooks)
    if (!this.jsonEnabled()) {
      for (const repair of result.repaired) this.logToStderr(`Repaired: ${repair}`)
      for (const problem of result.cannotRepair) this.logToStderr(`Cannot repair: ${problem}`)
      this.logToStderr(
        result.started.length === 0
          ? `Cluster ${result.name} was running already${waitMs > 0 ? ' and answers' : ''}.`
          : `Cluster ${result.name} is up again in ${(result.durationMs / 1000).toFixed(1)}s.`,
      )
      if (!result.contextPresent) this.logToStderr(`The kubeconfig has no context ${result.context}; \`kcluster export kubeconfig --name ${result.name}\` adds it again.`)
    }
    return result
  }
}
