import type {Step} from '../../progress/step.js'
import {planCluster} from '../../plan/plan-cluster.js'
import type {CreateContext} from '../create-context.js'

/** Gathers the few facts of the machine the plan depends on, then plans without further I/O. */
export async function planWithFacts(ctx: CreateContext, extraSubnetsInUse: string[] = []): Promise<void> {
  const {networking} = ctx.spec
  const [subnetsInUse, freeApiServerPort] = await Promise.all([
    ctx.provider.subnetsInUse(),
    networking.apiServerPort === 0 ? ctx.provider.freePort(networking.apiServerAddress) : Promise.resolve(networking.apiServerPort),
  ])
  ctx.facts = {subnetsInUse: [...subnetsInUse, ...extraSubnetsInUse], freeApiServerPort}
  ctx.plan = planCluster(ctx.spec, ctx.facts)
}

export const planClusterStep: Step<CreateContext> = {
  id: 'plan',
  title: 'Plan nodes, addresses and ports',
  run: async (ctx, step) => {
    await planWithFacts(ctx)
    const plan = ctx.plan!
    step.report(`${plan.nodes.length} node(s) on ${plan.network.subnet}, API server at ${plan.apiServer.server}`)
  },
}
