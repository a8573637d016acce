// Every node's kubeadm patches applied once before anything is created, so a
// failing operation stops create (and a dry run) at the start. A patch of a
// document this cluster never gives kubeadm, or of a field the plan decided,
// is a warning instead of a silent no-op or a surprise.
import {InvalidInputError, type InputProblem} from '../../errors/index.js'
import type {ClusterPlan} from '../../plan/plan-cluster.js'
import {unpatchedKubeadmDocuments, type JoinSecrets} from './config.js'
import {applyKubeadmPatches, type KubeadmPatches, type UnmatchedPatch} from './patches.js'
import {plannedFieldChanges} from './planned-fields.js'

export interface PatchFindings {
  problems: InputProblem[]
  warnings: InputProblem[]
}

/** Secrets of the right shape: patches may test or move fields, never depend on their values. */
const PLACEHOLDER_SECRETS: JoinSecrets = {token: 'abcdef.0123456789abcdef', certificateKey: '0'.repeat(64)}

export function checkKubeadmPatches(plan: ClusterPlan, kubernetesVersion: string): PatchFindings {
  const problems: InputProblem[] = []
  const warnings: InputProblem[] = []
  // A cluster-wide patch needs to match on one node only; a node's own patch on its node.
  const clusterUnmatched = new Map<string, {patch: UnmatchedPatch; nodes: number}>()
  for (const node of plan.nodes) {
    const documents = unpatchedKubeadmDocuments(plan, node, kubernetesVersion, PLACEHOLDER_SECRETS)
    const patches: KubeadmPatches = {merge: [...plan.kubeadmPatches.merge, ...node.kubeadmPatches.merge], json6902: [...plan.kubeadmPatches.json6902, ...node.kubeadmPatches.json6902]}
    let unmatched: UnmatchedPatch[]
    try {
      unmatched = applyKubeadmPatches(documents, patches).unmatched
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error
      problems.push(...error.problems)
      continue
    }
    warnings.push(...plannedFieldWarnings(documents, patches))
    for (const patch of unmatched) {
      if (patch.field.startsWith('nodes[')) {
        warnings.push({field: patch.field, message: `${which(patch)} changes nothing on ${node.name}: ${whoReads(patch.kind, plan)}`})
      } else {
        const key = `${patch.field}#${patch.document ?? 0}`
        clusterUnmatched.set(key, {patch, nodes: (clusterUnmatched.get(key)?.nodes ?? 0) + 1})
      }
    }
  }
  for (const {patch, nodes} of clusterUnmatched.values()) {
    if (nodes === plan.nodes.length) warnings.push({field: patch.field, message: `${which(patch)} changes nothing in this cluster: ${whoReads(patch.kind, plan)}`})
  }
  return {problems: unique(problems), warnings: unique(warnings)}
}

/** Each patch alone, so a change of a planned field is told with the patch that made it. */
function plannedFieldWarnings(documents: ReturnType<typeof unpatchedKubeadmDocuments>, patches: KubeadmPatches): InputProblem[] {
  const alone: {field: string; patches: KubeadmPatches}[] = [
    ...patches.merge.map((p) => ({field: p.field, patches: {merge: [p], json6902: []}})),
    ...patches.json6902.map((p) => ({field: p.field, patches: {merge: [], json6902: [p]}})),
  ]
  return alone.flatMap(({field, patches: one}) => {
    try {
      return plannedFieldChanges(documents, applyKubeadmPatches(documents, one).documents).map((message) => ({field, message}))
    } catch {
      // It may rely on an earlier patch; applied together they succeeded.
      return []
    }
  })
}

function which(patch: UnmatchedPatch): string {
  return patch.document === undefined ? `this ${patch.kind} patch` : `document ${patch.document} (${patch.kind})`
}

function whoReads(kind: string, plan: ClusterPlan): string {
  const init = plan.nodes.find((n) => n.bootstrap === 'init')?.name ?? 'the first control plane'
  if (kind === 'JoinConfiguration') return `only joining nodes read JoinConfiguration, and ${plan.nodes.length === 1 ? 'this cluster has none' : `${init} runs kubeadm init`}`
  if (kind === 'KubeProxyConfiguration' && plan.kubeProxyMode === 'none') return 'kube-proxy is left out (networking.kubeProxyMode: none)'
  if (kind === 'KubeletConfiguration') return `only kubeadm init on ${init} reads KubeletConfiguration; joining nodes take the cluster's, so patch it cluster-wide`
  return `only kubeadm init on ${init} reads ${kind}`
}

function unique(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => !seen.has(`${p.field}\n${p.message}`) && Boolean(seen.add(`${p.field}\n${p.message}`)))
}
