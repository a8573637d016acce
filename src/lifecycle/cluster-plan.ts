// Everything about a new cluster that follows from its options alone: names,
// subnets, addresses. Pure, so it is tested as a table.
import {nodeContainerName, networkName} from '../provider/labels.js'

export const POD_SUBNET = '10.244.0.0/16'
export const SERVICE_SUBNET = '10.96.0.0/16'
/** kubeadm gives cluster DNS the tenth address of the service subnet. */
export const CLUSTER_DNS_IP = '10.96.0.10'

export interface ClusterPlan {
  name: string
  network: string
  controlPlaneNode: string
  contextName: string
  podSubnet: string
  serviceSubnet: string
  clusterDnsIp: string
}

export function planCluster(name: string): ClusterPlan {
  return {
    name,
    network: networkName(name),
    controlPlaneNode: nodeContainerName(name, 'control-plane'),
    contextName: contextNameOf(name),
    podSubnet: POD_SUBNET,
    serviceSubnet: SERVICE_SUBNET,
    clusterDnsIp: CLUSTER_DNS_IP,
  }
}

export function contextNameOf(cluster: string): string {
  return `kcluster-${cluster}`
}
