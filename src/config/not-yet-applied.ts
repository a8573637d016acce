// Spec fields that create does not apply yet. Each one set gives a warning
// naming it, so nothing a file asks for is dropped silently. When create
// learns to apply a field, its line here goes.
import type {InputProblem} from '../errors/index.js'
import type {FileSpec} from './config-defaults.js'

export function notYetAppliedWarnings(spec: FileSpec): InputProblem[] {
  const warnings: InputProblem[] = []
  const warn = (field: string, message: string) => warnings.push({field, message})
  const {networking} = spec

  if (networking.disableDefaultCNI) {
    warn('networking.disableDefaultCNI', 'not applied yet: create still installs its pod network (and waits for Ready nodes, which need one)')
  }
  if (networking.kubeProxyMode === 'none') {
    warn('networking.kubeProxyMode', "none leaves kube-proxy out, but create's readiness wait asks cluster DNS through its Service address, which needs kube-proxy or a replacement: create with --wait 0")
  }
  if (networking.dnsSearch !== undefined) warn('networking.dnsSearch', "not applied yet: the nodes' resolv.conf keeps the host's search domains")
  if (spec.containerdConfigPatches) warn('containerdConfigPatches', "not applied yet: every node's containerd keeps kcluster's configuration")
  if (spec.containerdConfigPatchesJSON6902) warn('containerdConfigPatchesJSON6902', "not applied yet: every node's containerd keeps kcluster's configuration")
  for (const [n, node] of spec.nodes.entries()) {
    for (const [m, mount] of (node.extraMounts ?? []).entries()) {
      const at = `nodes[${n}].extraMounts[${m}]`
      if (mount.propagation !== 'None') warn(`${at}.propagation`, `${mount.propagation} is not applied yet: the mount is private (None)`)
      if (mount.selinuxRelabel) warn(`${at}.selinuxRelabel`, 'not applied yet: the host path is mounted without SELinux relabelling')
    }
  }
  return warnings
}
