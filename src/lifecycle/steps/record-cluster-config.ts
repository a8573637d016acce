import type {Step} from '../../progress/step.js'
import {CLUSTER_RECORD_PATH, renderClusterRecord} from '../cluster-record.js'
import type {CreateContext} from '../create-context.js'

/** Every node keeps the spec it was created from, for `export logs` and whoever debugs the cluster later. */
export const recordClusterConfig: Step<CreateContext> = {
  id: 'record-config',
  title: 'Record the cluster config in the nodes',
  run: async (ctx, step) => {
    const record = renderClusterRecord(ctx.spec, new Date())
    await Promise.all(ctx.nodes.map((node) => node.writeFile(CLUSTER_RECORD_PATH, record, 0o644)))
    step.report(`${CLUSTER_RECORD_PATH} in ${ctx.nodes.length} node(s)`)
  },
}
