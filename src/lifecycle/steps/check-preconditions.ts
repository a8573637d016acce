import {ClusterExistsError} from '../../errors/index.js'
import type {CreateContext} from '../create-context.js'
import type {Step} from '../../progress/step.js'

export const checkPreconditions: Step<CreateContext> = {
  id: 'check-preconditions',
  title: 'Check Docker and the cluster name',
  run: async (ctx) => {
    await ctx.provider.ping()
    const clusters = await ctx.provider.listClusters()
    if (clusters.some((c) => c.name === ctx.plan.name)) throw new ClusterExistsError(ctx.plan.name)
  },
}
