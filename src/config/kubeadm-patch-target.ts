// Which kubeadm documents a patch is meant for. kcluster writes kubeadm's
// v1beta4 documents; kind users write v1beta3 (or v1beta2) patches, and those
// must still reach the documents, so kubeadm's older versions match too.
import {nearestName} from './nearest-name.js'

export const KUBEADM_GROUP = 'kubeadm.k8s.io'
export const KUBEADM_VERSION = 'v1beta4'
/** kubeadm API versions whose patches apply to our v1beta4 documents (translated where the shape changed). */
export const KUBEADM_PATCH_VERSIONS = ['v1beta2', 'v1beta3', 'v1beta4']

/** Every kind of document kcluster writes for kubeadm, with the apiVersion it writes. */
export const KUBEADM_DOCUMENT_API_VERSIONS: Readonly<Record<string, string>> = {
  InitConfiguration: `${KUBEADM_GROUP}/${KUBEADM_VERSION}`,
  ClusterConfiguration: `${KUBEADM_GROUP}/${KUBEADM_VERSION}`,
  JoinConfiguration: `${KUBEADM_GROUP}/${KUBEADM_VERSION}`,
  KubeletConfiguration: 'kubelet.config.k8s.io/v1beta1',
  KubeProxyConfiguration: 'kubeproxy.config.k8s.io/v1alpha1',
}

/** What a patch names: a kind, and optionally a group and version (unset: any). */
export interface PatchTarget {
  kind: string
  group?: string
  version?: string
}

/** "group/version" → its parts; "v1" has no group. */
export function splitApiVersion(apiVersion: string): {group: string; version: string} {
  const slash = apiVersion.lastIndexOf('/')
  return slash < 0 ? {group: '', version: apiVersion} : {group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1)}
}

/** Whether a patch applies to a document: the kind must match, and the group and version where the patch names them. */
export function patchMatches(document: {apiVersion: string; kind: string}, target: PatchTarget): boolean {
  if (document.kind !== target.kind) return false
  const {group, version} = splitApiVersion(document.apiVersion)
  if (target.group === undefined || target.group === '') return target.version === undefined || target.version === ''
  if (target.group !== group) return false
  if (target.version === undefined || target.version === '' || target.version === version) return true
  return group === KUBEADM_GROUP && KUBEADM_PATCH_VERSIONS.includes(target.version)
}

/** Why a patch can match no document kcluster writes, or undefined when it can match one. */
export function unmatchableTarget(target: PatchTarget): string | undefined {
  const kinds = Object.keys(KUBEADM_DOCUMENT_API_VERSIONS)
  const apiVersion = KUBEADM_DOCUMENT_API_VERSIONS[target.kind]
  if (apiVersion === undefined) {
    const near = nearestName(target.kind, kinds)
    return `kind ${JSON.stringify(target.kind)} matches no document kcluster writes (${kinds.join(', ')})${near ? `; did you mean ${near}?` : ''}`
  }
  if (patchMatches({apiVersion, kind: target.kind}, target)) return undefined
  const named = target.group ? `${target.group}/${target.version ?? ''}`.replace(/\/$/, '') : `version ${target.version}`
  const versions = apiVersion.startsWith(`${KUBEADM_GROUP}/`) ? KUBEADM_PATCH_VERSIONS.map((v) => `${KUBEADM_GROUP}/${v}`).join(', ') : apiVersion
  return `${named} matches no document: kcluster writes ${target.kind} as ${apiVersion} (patches may name ${versions}, or leave the apiVersion out)`
}
