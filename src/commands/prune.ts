import {Flags} from '@oclif/core'
import {KclusterCommand} from '../cli/base-command.js'
import {kubeconfigFlag, selectorFlag} from '../cli/flags.js'
import {parseSelector} from '../config/cluster-labels.js'
import {pruneClusters, type PruneResult} from '../lifecycle/prune.js'

export default class Prune extends KclusterCommand<PruneResult> {
  static override summary = 'Delete expired clusters (create --ttl) and the leftovers of creates that were killed'
  static override description =
    'A cluster is pruned when its expiry has passed, or when the create that made it stopped without finishing (killed, or its machine restarted). A create still running, in this or another process, is never touched: its claim records its process, which must be gone. Creates run from another machine or container cannot be checked and are left alone.'
  static override examples = ['<%= config.bin %> prune', '<%= config.bin %> prune --dry-run', '<%= config.bin %> prune --selector team=payments --json']

  static override flags = {
    'dry-run': Flags.boolean({summary: 'Say what would be pruned; remove nothing'}),
    selector: selectorFlag('Only clusters with this label key=value (repeatable: all must match)'),
    kubeconfig: kubeconfigFlag('Kubeconfig file whose entries of pruned clusters are removed (default: $KUBECONFIG or ~/.kube/config)'),
  }

  async run(): Promise<PruneResult> {
    const {flags} = await this.parse(Prune)
    const result = await pruneClusters({dryRun: flags['dry-run'], selector: parseSelector(flags.selector), kubeconfig: flags.kubeconfig}, {provider: this.provider(), runner: this.stepRunner(), signal: this.abortSignal()})
    this.warnAboutHooks(result.hooks)
    for (const p of result.pruned) {
      const removed = p.containers === undefined ? '' : `: ${p.containers} container(s), ${p.volumes} volume(s), ${p.networks} network(s)`
      this.logToStderr(`${result.dryRun ? 'Would prune' : 'Pruned'} ${p.name} (${p.reason}: ${p.detail})${removed}`)
    }
    for (const s of result.skipped) this.logToStderr(`Left ${s.name}: ${s.reason}`)
    if (result.pruned.length === 0) this.logToStderr('Nothing to prune.')
    return result
  }
}
