// The built-in pod network: each node's pods live on a ptp veth with an
// address from the node's pod CIDR; other nodes' CIDRs are routed via their
// node address on the cluster network; traffic leaving the cluster is
// masqueraded as the node.

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

export const CNI_CONFIG_PATH = '/etc/cni/net.d/10-kcluster.conflist'
export const MASQUERADE_COMMENT = 'kcluster-pods-leaving-the-cluster'

/** One shell script per node: routes to the other nodes' pods, and the masquerade rule, each added only once. */
export function nodeNetworkScript(podSubnet: string, routes: {podCidr: string; via: string}[]): string {
  const rule = `-s ${podSubnet} ! -d ${podSubnet} -m comment --comment ${MASQUERADE_COMMENT} -j MASQUERADE`
  return [
    'set -e',
    ...routes.map((r) => `ip route replace ${r.podCidr} via ${r.via}`),
    `iptables -t nat -C POSTROUTING ${rule} 2>/dev/null || iptables -t nat -A POSTROUTING ${rule}`,
  ].join('\n')
}
