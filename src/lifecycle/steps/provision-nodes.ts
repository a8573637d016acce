import type {CreateContext} from '../create-context.js'
import type {Step} from '../../progress/step.js'
import {waitFor} from '../wait.js'

export const provisionNodes: Step<CreateContext> = {
  id: 'provision-nodes',
  title: 'Start the node container',
  run: async (ctx, step) => {
    ctx.touchedDocker = true
    const [network, securityMode] = await Promise.all([ctx.provider.createNetwork(ctx.plan.name), ctx.provider.detectSecurityMode(ctx.image)])
    ctx.securityMode = securityMode
    step.report(`${securityMode} container on network ${network}`)
    const node = await ctx.provider.provisionNode({
      cluster: ctx.plan.name,
      name: ctx.plan.controlPlaneNode,
      role: 'control-plane',
      image: ctx.image,
      network,
      securityMode,
      publishApiServer: true,
    })
    ctx.controlPlane = node
    ctx.apiServerPort = await ctx.provider.apiServerPort(node.name)
    step.report('waiting for systemd and containerd')
    await waitFor({what: `containerd in node ${node.name}`, timeoutMs: 60_000, intervalMs: 200, signal: step.signal}, async () => {
      const result = await node.exec(['ctr', 'version'], {allowFailure: true})
      return result.exitCode === 0
    })
  },
}
