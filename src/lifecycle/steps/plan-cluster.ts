import type {Step} from '../../progress/step.js'
import {hostPortsToChoose, planCluster} from '../../plan/plan-cluster.js'
import type {CreateContext} from '../create-context.js'

/** Gathers the few facts of the machine the plan depends on, then plans without further I/O. */
export async function planWithFacts(ctx: CreateContext, extraSubnetsInUse: string[] = []): Promise<void> {
  const {networking} = ctx.spec
  const subnetsInUse = await ctx.provider.subnetsInUse()
  // Ports chosen here are pinned from then on; each must differ from the others.
  const chosen = new Set<number>()
  const choose = async (address: string): Promise<number> => {
    for (;;) {
      const port = await ctx.provider.freePort(address)
      if (!chosen.has(port)) return chosen.add(port), port
    }
  }
  const freeApiServerPort = networking.apiServerPort === 0 ? await choose(networking.apiServerAddress) : networking.apiServerPort
  const freeHostPorts: number[] = []
  for (const mapping of hostPortsToChoose(ctx.spec)) freeHostPorts.push(await choose(mapping.listenAddress))
  ctx.facts = {subnetsInUse: [...subnetsInUse, ...extraSubnetsInUse], freeApiServerPort, freeHostPorts, ...(ctx.run.proxy ? {proxy: ctx.run.proxy} : {})}
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
