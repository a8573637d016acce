import {mergeKubeconfig} from '../../kubeconfig/index.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {adminCredentials, required} from '../create-context.js'

/** Last of all: a create that fails never leaves an entry behind. */
export const writeKubeconfig: Step<CreateContext> = {
  id: 'write-kubeconfig',
  title: 'Write the kubeconfig',
  run: async (ctx, step) => {
    const plan = required(ctx.plan, 'the plan')
    // Read once per create: the pod network's step may have read it already.
    const admin = await adminCredentials(ctx, step.signal)
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
