import type {CreateContext} from '../create-context.js'
import type {Step} from '../../progress/step.js'
import {readTemplate, renderTemplate} from '../templates.js'

export const KUBEADM_CONFIG_PATH = '/etc/kcluster/kubeadm.yaml'

export function renderKubeadmConfig(values: {clusterName: string; kubernetesVersion: string; nodeName: string; nodeIp: string; podSubnet: string; serviceSubnet: string}, template = readTemplate('kubeadm/init.yaml')): string {
  return renderTemplate(template, {
    CLUSTER_NAME: values.clusterName,
    KUBERNETES_VERSION: values.kubernetesVersion,
    NODE_NAME: values.nodeName,
    NODE_IP: values.nodeIp,
    CONTROL_PLANE_ENDPOINT: `${values.nodeName}:6443`,
    POD_SUBNET: values.podSubnet,
    SERVICE_SUBNET: values.serviceSubnet,
  })
}

export const kubeadmInit: Step<CreateContext> = {
  id: 'kubeadm-init',
  title: 'Start the control plane (kubeadm init)',
  run: async (ctx, step) => {
    const node = ctx.controlPlane!
    const config = renderKubeadmConfig({
      clusterName: ctx.plan.name,
      kubernetesVersion: ctx.options.kubernetesVersion,
      nodeName: node.name,
      nodeIp: node.ipv4,
      podSubnet: ctx.plan.podSubnet,
      serviceSubnet: ctx.plan.serviceSubnet,
    })
    await node.writeFile(KUBEADM_CONFIG_PATH, config)
    // Preflight checks a real host; a node container is known to fail some and pulls nothing.
    await node.exec(['kubeadm', 'init', '--config', KUBEADM_CONFIG_PATH, '--skip-phases=preflight', '--skip-token-print', '--v=1'], {signal: step.signal})
  },
}
