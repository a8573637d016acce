// The built-in pod network: each node's pods live on a ptp veth with an
// address from the node's pod CIDR (the CNI configuration below); flanneld,
// built from its Go module and run as a DaemonSet, routes every other node's
// pod CIDR via that node's address and masquerades traffic leaving the cluster.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fillPlaceholders, packageRoot} from '../images/index.js'

export const CNI_CONFIG_PATH = '/etc/cni/net.d/10-kcluster.conflist'

/** The CNI configuration of one node, as containerd's CRI plugin reads it. */
export function cniConfig(podCidr: string, mtu: number): Record<string, unknown> {
  return {
    cniVersion: '0.4.0',
    name: 'kcluster',
    plugins: [
      {type: 'ptp', ipMasq: false, mtu, ipam: {type: 'host-local', ranges: [[{subnet: podCidr}]], routes: [{dst: '0.0.0.0/0'}]}},
      {type: 'portmap', capabilities: {portMappings: true}},
    ],
  }
}

/** flanneld for every node, keeping routes to the other nodes' pods. */
export function networkManifest(values: {podSubnet: string; flannelImage: string; apiServerHost: string; apiServerPort: number}, root = packageRoot()): string {
  const template = readFileSync(join(root, 'templates/network/flannel.yaml'), 'utf8')
  return fillPlaceholders(
    template,
    {POD_SUBNET: values.podSubnet, FLANNEL_IMAGE: values.flannelImage, API_SERVER_HOST: values.apiServerHost, API_SERVER_PORT: String(values.apiServerPort)},
    'templates/network/flannel.yaml',
  )
}
