import {KclusterCommand} from '../cli/base-command.js'
import {selectorFlag} from '../cli/flags.js'
import {formatLabels, parseSelector} from '../config/cluster-labels.js'
import {listClusters} from '../lifecycle/list-clusters.js'
import type {ClusterSummary} from '../provider/types.js'

export default class List extends KclusterCommand<{clusters: ClusterSummary[]}> {
  static override summary = 'List clusters'
  static override description = 'Columns: name, state, profile (create --profile), API server, expiry (create --ttl), labels (create --label), nodes.'
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --selector run=$CI_JOB_ID --json']
  static override flags = {
    selector: selectorFlag('Only clusters with this label key=value (repeatable: all must match)'),
  }

  async run(): Promise<{clusters: ClusterSummary[]}> {
    const {flags} = await this.parse(List)
    const clusters = await listClusters({provider: this.provider()}, {selector: parseSelector(flags.selector)})
    if (!this.jsonEnabled()) {
      if (clusters.length === 0) this.logToStderr(flags.selector ? 'No clusters match.' : 'No clusters.')
      for (const c of clusters) {
        const parts = [...c.nodes.map((n) => `${n.name} (${n.role}, ${n.state})`), ...(c.loadBalancer ? [`load balancer (${c.loadBalancer.state})`] : [])]
        const states = parts.join(', ') || 'no nodes'
        this.log([c.name, c.state, c.profile ?? 'default', c.server ?? '-', c.expiresAt ? `expires ${c.expiresAt}` : '-', formatLabels(c.labels) || '-', states].join('\t'))
      }
    }
    return {clusters}
  }
}
