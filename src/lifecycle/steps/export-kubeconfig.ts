import {mergeKubeconfig, parseAdminKubeconfig} from '../../kubeconfig/index.js'
import type {CreateContext} from '../create-context.js'
import type {Step} from '../../progress/step.js'
import {ADMIN_KUBECONFIG} from './install-cni.js'

export const exportKubeconfig: Step<CreateContext> = {
  id: 'write-kubeconfig',
  title: 'Write the kubeconfig',
  run: async (ctx, step) => {
    const admin = parseAdminKubeconfig((await ctx.controlPlane!.exec(['cat', ADMIN_KUBECONFIG])).stdout)
    const server = `https://127.0.0.1:${ctx.apiServerPort}`
    ctx.kubeconfigWritten = true
    await mergeKubeconfig(
      ctx.options.kubeconfigPath,
      {
        contextName: ctx.plan.contextName,
        server,
        certificateAuthorityData: admin.certificateAuthorityData,
        clientCertificateData: admin.clientCertificateData,
        clientKeyData: admin.clientKeyData,
      },
      {setCurrent: true},
    )
    step.report(`context ${ctx.plan.contextName} in ${ctx.options.kubeconfigPath}`)
  },
}
