import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {required} from '../create-context.js'

/** From here on this run owns the name: a second create of it fails without touching anything. */
export const claimName: Step<CreateContext> = {
  id: 'claim-name',
  title: 'Claim the cluster name',
  run: async (ctx) => {
    ctx.claim = await ctx.provider.claimCluster(ctx.spec.name, required(ctx.image, 'the node image'))
  },
}

/** The create is complete: its claim goes, so `list` stops calling the cluster incomplete. */
export const releaseClaim: Step<CreateContext> = {
  id: 'finish',
  title: 'Mark the cluster complete',
  run: async (ctx) => {
    await required(ctx.claim, 'the claim').release()
  },
}
