// Everything create can decide before it touches Docker: the flags and the
// config file merged and validated, a plan without facts of the machine, and
// every node's kubeadm patches tried. A config that fails here creates nothing.
import {resolveCreateOptions, type CreateOptions, type CreateOptionsInput} from '../config/cluster-options.js'
import {DEFAULT_KUBERNETES_VERSION} from '../config/kubernetes-version.js'
import type {ConfigWarning} from '../config/load-config.js'
import {InvalidInputError} from '../errors/index.js'
import {planCluster, type ClusterPlan} from '../plan/plan-cluster.js'
import {checkKubeadmPatches} from './kubeadm/check-patches.js'
import {resolveClusterAddons} from './addons.js'

/** A create validated and planned provisionally, before Docker is asked anything. */
export interface PreparedCreate extends CreateOptions {
  /** Planned as if nothing else used the machine: create plans again with the machine's facts. */
  provisionalPlan: ClusterPlan
  /** The config file's warnings, then those of its kubeadm patches. */
  warnings: ConfigWarning[]
}

/** Validates the create options (every problem at once) and plans the cluster provisionally. */
export function prepareCreate(input: CreateOptionsInput, env: NodeJS.ProcessEnv = process.env, home?: string): PreparedCreate {
  const {spec, run} = resolveCreateOptions(input, env, home)
  // Unknown addons and bad options stop create before it touches Docker.
  resolveClusterAddons(spec.addons ?? [])
  const provisionalPlan = planCluster(spec, {subnetsInUse: [], ...(run.proxy ? {proxy: run.proxy} : {})})
  // The version only fills a field of ClusterConfiguration here; a patch cannot depend on it.
  const patches = checkKubeadmPatches(provisionalPlan, spec.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION)
  if (patches.problems.length > 0) throw new InvalidInputError(patches.problems)
  return {spec, run, provisionalPlan, warnings: [...(input.config?.warnings ?? []), ...patches.warnings]}
}
