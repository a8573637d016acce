import {ClusterExistsError, HostNotReadyError} from '../../errors/index.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {createChecks, shapeOf} from '../host-checks.js'

/** Fails fast on the common case; the claim step decides races. The machine's limits are read alongside, at no extra wait. */
export const checkPreconditions: Step<CreateContext> = {
  id: 'check-preconditions',
  title: 'Check Docker, the cluster name and the machine',
  run: async (ctx, step) => {
    await ctx.provider.ping()
    const [clusters, engine] = await Promise.all([ctx.provider.listClusters(), ctx.provider.engineFacts()])
    if (clusters.some((c) => c.name === ctx.spec.name)) throw new ClusterExistsError(ctx.spec.name)
    const checks = createChecks(engine, shapeOf(ctx.spec))
    const failed = checks.filter((c) => c.status === 'fail')
    if (failed.length > 0) throw new HostNotReadyError(failed)
    for (const warning of checks.filter((c) => c.status === 'warn')) step.report(`warning: ${warning.summary}`)
  },
}
