import type {Step} from '../../progress/step.js'
import {creatorLabels} from '../../provider/labels.js'
import type {CreateContext} from '../create-context.js'
import {required, resourceLabels} from '../create-context.js'
import {currentCreator} from '../creator.js'

/** An RFC 3339 time, to the second. */
export function expiryTime(now: number, ttlMs: number): string {
  return new Date(now + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * From here on this run owns the name: a second create of it fails without touching anything.
 * The claim records this process, so `prune` tells a create in progress from a killed one;
 * it stays until the create is complete, and a rollback removes it last.
 */
export const claimName: Step<CreateContext> = {
  id: 'claim-name',
  title: 'Claim the cluster name',
  run: async (ctx) => {
    const ttl = ctx.run.ttlMs
    const profile = required(ctx.plan, 'the plan').profile
    ctx.metadata = {labels: ctx.spec.labels ?? {}, ...(ttl === undefined ? {} : {expiresAt: expiryTime(Date.now(), ttl)}), ...(profile === 'default' ? {} : {profile})}
    ctx.claim = await ctx.provider.claimCluster(ctx.spec.name, required(ctx.image, 'the node image'), {...resourceLabels(ctx), ...creatorLabels(currentCreator())})
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
