import {UsageError} from '../../errors/index.js'
import type {CreateContext} from '../create-context.js'
import type {Step} from '../../progress/step.js'

export const ensureNodeImage: Step<CreateContext> = {
  id: 'ensure-node-image',
  title: 'Ensure the node image',
  run: async (ctx, step) => {
    if (await ctx.provider.imageExists(ctx.image)) return step.report(`${ctx.image} is present`)
    if (ctx.options.image) {
      throw new UsageError(`node image ${ctx.options.image} does not exist`, 'build it with `kcluster build node-image --image <name>` or leave out --image')
    }
    step.report(`${ctx.image} is missing: building it (cold: 10-30 minutes, warm: about a minute)`)
    ctx.imageBuilt = await ctx.buildNodeImage(step)
  },
}
