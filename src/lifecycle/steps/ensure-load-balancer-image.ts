import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {required} from '../create-context.js'

export const ensureLoadBalancerImage: Step<CreateContext> = {
  id: 'ensure-load-balancer-image',
  title: 'Ensure the load balancer image',
  skip: (ctx) => (required(ctx.plan, 'the plan').loadBalancer ? undefined : 'one control plane, no load balancer'),
  run: async (ctx, step) => {
    ctx.loadBalancerImage = (await ctx.images.ensureLoadBalancer(step)).reference
  },
}
