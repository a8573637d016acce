import {KclusterCommand} from '../cli/base-command.js'
import {listClusters} from '../lifecycle/list-clusters.js'
import type {ClusterSummary} from '../provider/types.js'

export default class List extends KclusterCommand<{clusters: ClusterSummary[]}> {
  static override summary = 'List clusters'
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --json']

  async run(): Promise<{clusters: ClusterSummary[]}> {
    await this.parse(List)
    const clusters = await listClusters({provider: this.provider()})
    if (!this.jsonEnabled()) {
      if (clusters.length === 0) this.logToStderr('No clusters.')
      for (const c of clusters) {
        const parts = [...c.nodes.map((n) => `${n.name} (${n.role}, ${n.state})`), ...(c.loadBalancer ? [`load balancer (${c.loadBalancer.state})`] : [])]
        const states = parts.join(', ') || 'no nodes'
        this.log(`${c.name}\t${c.state}\t${c.server ?? '-'}\t${states}`)
      }
    }
    return {clusters}
  }
}
