import {Flags} from '@oclif/core'
import {KclusterCommand} from '../cli/base-command.js'
import {parseDuration} from '../config/duration.js'
import {clusterStatus, describeStatus, watchStatus, type ClusterStatus} from '../lifecycle/cluster-status.js'
import {clusterNameFlag, kubeconfigFlag} from '../cli/flags.js'

export default class Status extends KclusterCommand<ClusterStatus | void> {
  static override summary = 'Say what of a cluster is up and what is down; the exit code tells it too'
  static override description = 'Exit codes: 0 healthy, 5 no such cluster, 10 stopped, 11 degraded (a container down or removed, kubelet unhealthy, a node not Ready), 12 API server not ready, 13 a create has not finished. --watch prints a line each time the status changes (with --json one JSON status a line on stdout) until interrupted.'
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --name dev --json', '<%= config.bin %> status --watch --json']

  static override flags = {
    name: clusterNameFlag(),
    kubeconfig: kubeconfigFlag('Kubeconfig file whose context is checked and used (default: $KUBECONFIG or ~/.kube/config); never written'),
    watch: Flags.boolean({char: 'w', summary: 'Keep watching; print a line each time something changes'}),
    interval: Flags.string({summary: 'How often --watch asks, e.g. 1s', default: '1s'}),
  }

  async run(): Promise<ClusterStatus | void> {
    const {flags} = await this.parse(Status)
    const input = {name: flags.name, ...(flags.kubeconfig ? {kubeconfig: flags.kubeconfig} : {})}
    if (flags.watch) {
      // Ctrl-C is how a watch ends, not an interruption of work: no cleanup message, exit 0.
      const stop = new AbortController()
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort())
      await watchStatus(input, {provider: this.provider(), signal: stop.signal, intervalMs: parseDuration(flags.interval, 'interval')}, (status) => {
        if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({time: new Date().toISOString(), ...status})}\n`)
        else this.log(`${new Date().toISOString()} ${describeStatus(status).split('\n').join('\n  ')}`)
      })
      // Streamed already, line by line: no closing envelope.
      this.exit(0)
    }
    const status = await clusterStatus(input, {provider: this.provider()})
    if (!this.jsonEnabled()) this.log(describeStatus(status))
    process.exitCode = status.exitCode
    return status
  }
}
