import type {Step} from '../../progress/step.js'
import type {PlannedNode} from '../../plan/plan-cluster.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {kubectlIn} from '../kubectl.js'
import {waitFor} from '../wait.js'

/**
 * Labels a kubelet may not give itself (node-role.kubernetes.io/*) are set by the admin, on each node once it
 * joined. `kubeadm join` returns once the kubelet has its certificate; the kubelet registers its Node a moment
 * later, so a Node not found yet is asked for again.
 */
export async function labelNode(ctx: CreateContext, planned: PlannedNode, signal: AbortSignal): Promise<void> {
  const labels = Object.entries(planned.labels).map(([key, value]) => `${key}=${value}`)
  if (labels.length === 0 || ctx.labelled.has(planned.name)) return
  await waitFor({what: `node ${planned.name} to be registered, to label it`, timeoutMs: 60_000, intervalMs: 300, signal}, async () => {
    await kubectlIn(initNode(ctx), ['label', 'node', planned.name, '--overwrite', ...labels], {signal})
    return true
  })
  ctx.labelled.add(planned.name)
}

/** The nodes not labelled yet: the control planes, and workers that joined after init. */
export const labelNodes: Step<CreateContext> = {
  id: 'label-nodes',
  title: 'Label the nodes',
  skip: (ctx) => {
    const unlabelled = required(ctx.plan, 'the plan').nodes.filter((n) => Object.keys(n.labels).length > 0 && !ctx.labelled.has(n.name))
    return unlabelled.length > 0 ? undefined : ctx.labelled.size > 0 ? 'labelled as they joined' : 'no labels asked for'
  },
  run: async (ctx, step) => {
    await Promise.all(required(ctx.plan, 'the plan').nodes.map((planned) => labelNode(ctx, planned, step.signal)))
  },
}
