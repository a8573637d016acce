import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {kubectlIn} from '../kubectl.js'

/** Labels a kubelet may not give itself (node-role.kubernetes.io/*) are set by the admin, once every node joined. */
export const labelNodes: Step<CreateContext> = {
  id: 'label-nodes',
  title: 'Label the nodes',
  skip: (ctx) => (required(ctx.plan, 'the plan').nodes.some((n) => Object.keys(n.labels).length > 0) ? undefined : 'no labels asked for'),
  run: async (ctx, step) => {
    const admin = initNode(ctx)
    await Promise.all(
      required(ctx.plan, 'the plan').nodes.map(async (planned) => {
        const labels = Object.entries(planned.labels).map(([key, value]) => `${key}=${value}`)
        if (labels.length > 0) await kubectlIn(admin, ['label', 'node', planned.name, '--overwrite', ...labels], {signal: step.signal})
      }),
    )
  },
}
