import {formatDuration} from '../../config/duration.js'
import type {CreateContext} from '../create-context.js'
import type {Step} from '../../progress/step.js'
import {waitFor} from '../wait.js'
import {kubectlIn} from './install-cni.js'

/** Ready means what a user would check first: the node schedules pods and cluster DNS answers. */
export const waitReady: Step<CreateContext> = {
  id: 'wait-ready',
  title: 'Wait for the node to be Ready and cluster DNS to answer',
  skip: (ctx) => (ctx.options.waitMs === 0 ? 'not asked to wait (--wait 0)' : undefined),
  run: async (ctx, step) => {
    const node = ctx.controlPlane!
    const deadline = Date.now() + ctx.options.waitMs
    const remaining = () => Math.max(0, deadline - Date.now())
    await waitFor({what: `node ${node.name} to be Ready (${formatDuration(ctx.options.waitMs)})`, timeoutMs: remaining(), signal: step.signal}, async () => {
      const result = await kubectlIn(node, ['get', 'node', node.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], {allowFailure: true})
      return result.stdout.trim() === 'True'
    })
    step.report('node Ready; asking cluster DNS')
    await waitFor({what: `cluster DNS at ${ctx.plan.clusterDnsIp} to resolve kubernetes.default`, timeoutMs: remaining(), intervalMs: 300, signal: step.signal}, async () => {
      const result = await node.exec(['busybox', 'nslookup', '-timeout=1', 'kubernetes.default.svc.cluster.local', ctx.plan.clusterDnsIp], {allowFailure: true})
      return result.exitCode === 0 && /Address:\s*10\.96\.0\.1\b/.test(result.stdout)
    })
  },
}
