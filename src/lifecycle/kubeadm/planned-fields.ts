// kubeadm fields whose values the plan decided and later steps rely on. A
// patch may still change them (it is the user's cluster), but is warned that
// the cluster then differs from the plan create acts on.
import type {KubeadmDocument} from './config.js'
import {deepEqual, get, parsePointer} from './json-patch.js'

const PLANNED: {kind: string; pointer: string; why: string}[] = [
  {kind: 'ClusterConfiguration', pointer: '/networking/podSubnet', why: 'the pod network routes networking.podSubnet; set that instead'},
  {kind: 'ClusterConfiguration', pointer: '/networking/serviceSubnet', why: 'the readiness wait asks cluster DNS in networking.serviceSubnet; set that instead'},
  {kind: 'ClusterConfiguration', pointer: '/networking/dnsDomain', why: 'the readiness wait resolves kubernetes.default.svc.cluster.local'},
  {kind: 'ClusterConfiguration', pointer: '/controlPlaneEndpoint', why: 'nodes join, and the kubeconfig points, through the planned endpoint'},
  {kind: 'InitConfiguration', pointer: '/nodeRegistration/name', why: 'create finds and labels nodes by their planned names'},
  {kind: 'JoinConfiguration', pointer: '/nodeRegistration/name', why: 'create finds and labels nodes by their planned names'},
  {kind: 'InitConfiguration', pointer: '/localAPIEndpoint/advertiseAddress', why: 'the node keeps its planned address'},
  {kind: 'JoinConfiguration', pointer: '/controlPlane/localAPIEndpoint/advertiseAddress', why: 'the node keeps its planned address'},
  {kind: 'JoinConfiguration', pointer: '/discovery/bootstrapToken/apiServerEndpoint', why: 'nodes join through the planned endpoint'},
  {kind: 'KubeletConfiguration', pointer: '/cgroupDriver', why: "the node's containerd uses cgroupfs"},
  {kind: 'KubeletConfiguration', pointer: '/cgroupRoot', why: "it keeps pods apart from the node's own systemd"},
  {kind: 'InitConfiguration', pointer: '/patches/directory', why: "kcluster's CoreDNS settings are kubeadm patches in that directory"},
]

function valueAt(document: KubeadmDocument, pointer: string): unknown {
  try {
    return get(document, parsePointer(pointer))
  } catch {
    return undefined
  }
}

/** "changes ClusterConfiguration /networking/serviceSubnet from "10.96.0.0/16" to "10.0.0.0/16", …" for each planned field that differs. */
export function plannedFieldChanges(before: KubeadmDocument[], after: KubeadmDocument[]): string[] {
  const changes: string[] = []
  for (const [index, document] of before.entries()) {
    for (const {kind, pointer, why} of PLANNED.filter((p) => p.kind === document.kind)) {
      const was = valueAt(document, pointer)
      const now = valueAt(after[index]!, pointer)
      if (!deepEqual(was, now)) changes.push(`changes ${kind} ${pointer} from ${JSON.stringify(was)} to ${JSON.stringify(now) ?? 'nothing'}, which kcluster planned: ${why}`)
    }
  }
  return changes
}
