import {removeFromKubeconfig} from '../../kubeconfig/index.js'
import {contextName} from '../../plan/names.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'

/**
 * Removes what this create made: the kubeconfig entry (the previous context
 * current again) and everything labelled with the cluster, which is ours
 * alone since the claim. Every error is collected, none stops the rest.
 */
export const rollback: Step<CreateContext> = {
  id: 'rollback',
  title: 'Roll back: remove what this create made',
  run: async (ctx, step) => {
    const errors: unknown[] = []
    if (ctx.kubeconfig) {
      await removeFromKubeconfig(ctx.run.kubeconfigPath, contextName(ctx.spec.name), {restoreCurrent: ctx.kubeconfig.previousContext}).catch((e) => errors.push(e))
    }
    if (ctx.claim) {
      const removed = await ctx.provider.deleteCluster(ctx.spec.name).catch((e) => void errors.push(e))
      if (removed) step.report(`removed ${removed.containers} container(s), ${removed.volumes} volume(s), ${removed.networks} network(s)`)
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, errors.map((e) => String((e as Error)?.message ?? e)).join('; '))
    }
  },
}
