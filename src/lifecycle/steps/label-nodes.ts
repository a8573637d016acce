import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {kubectlIn} from '../kubectl.js'
import {waitFor} from '../wait.js'

/**
 * Labels a kubelet may not give itself (node-role.kubernetes.io/*) are set by the admin, once every node joined.
 * `kubeadm join` returns once the kubelet has its certificate; the kubelet registers its Node a moment later,
 * so a Node not found yet is asked for again.
 */
export const labelNodes: Step<CreateContext> = {
  id: 'label-nodes',
  title: 'Label the nodes',
  skip: (ctx) => (required(ctx.plan, 'the plan').nodes.some((n) => Object.keys(n.labels).length > 0) ? undefined : 'no labels asked for'),
  run: async (ctx, step) => {
    const admin = initNode(ctx)
    await Promise.all(
      required(ctx.plan, 'the plan').nodes.map(async (planned) => {
        const labels = Object.entries(planned.labels).map(([key, value]) => `${key}=${value}`)
        if (labels.length === 0) return
        await waitFor({what: `node ${planned.name} to be registered, to label it`, timeoutMs: 60_000, intervalMs: 300, signal: step.signal}, async () => {
          await kubectlIn(admin, ['label', 'node', planned.name, '--overwrite', ...labels], {signal: step.signal})
          return true
        })
      }),
    )
  },
}
