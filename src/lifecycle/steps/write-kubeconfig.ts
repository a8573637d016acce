import {mergeKubeconfig, parseAdminKubeconfig} from '../../kubeconfig/index.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {ADMIN_KUBECONFIG} from '../kubectl.js'

/** Last of all: a create that fails never leaves an entry behind. */
export const writeKubeconfig: Step<CreateContext> = {
  id: 'write-kubeconfig',
  title: 'Write the kubeconfig',
  run: async (ctx, step) => {
    const plan = required(ctx.plan, 'the plan')
    const admin = parseAdminKubeconfig((await initNode(ctx).exec(['cat', ADMIN_KUBECONFIG], {signal: step.signal})).stdout)
    // Marked before writing: an interrupt during the write still rolls it back.
    ctx.kubeconfig = {}
    const {previousContext} = await mergeKubeconfig(
      ctx.run.kubeconfigPath,
      {contextName: plan.contextName, server: plan.apiServer.server, certificateAuthorityData: admin.certificateAuthorityData, clientCertificateData: admin.clientCertificateData, clientKeyData: admin.clientKeyData},
      {setCurrent: true},
    )
    if (previousContext !== undefined) ctx.kubeconfig.previousContext = previousContext
    step.report(`context ${plan.contextName} in ${ctx.run.kubeconfigPath}`)
  },
}
