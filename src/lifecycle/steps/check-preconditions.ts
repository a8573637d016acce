import {ClusterExistsError} from '../../errors/index.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'

/** Fails fast on the common case; the claim step decides races. */
export const checkPreconditions: Step<CreateContext> = {
  id: 'check-preconditions',
  title: 'Check Docker and the cluster name',
  run: async (ctx) => {
    await ctx.provider.ping()
    const clusters = await ctx.provider.listClusters()
    if (clusters.some((c) => c.name === ctx.spec.name)) throw new ClusterExistsError(ctx.spec.name)
  },
}
