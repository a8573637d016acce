// Flags most commands share, each mirrored by a KCLUSTER_* environment variable
// so a CI job or an IDE sets them once; a flag on the command line wins.
import {Flags} from '@oclif/core'
import {DEFAULT_CLUSTER_NAME} from '../config/cluster-options.js'

export const NAME_ENV = 'KCLUSTER_NAME'
export const KUBECONFIG_ENV = 'KCLUSTER_KUBECONFIG'

/** --name of a cluster that exists, default `kcluster`. */
export function clusterNameFlag() {
  return Flags.string({char: 'n', summary: 'Cluster name', env: NAME_ENV, default: DEFAULT_CLUSTER_NAME})
}

/** --name of a cluster to create: its default is the config file's name, so none here. */
export function newClusterNameFlag(summary: string) {
  return Flags.string({char: 'n', summary, env: NAME_ENV})
}

export function kubeconfigFlag(summary = 'Kubeconfig file to update (default: $KUBECONFIG or ~/.kube/config)') {
  return Flags.string({summary, env: KUBECONFIG_ENV})
}

/** --selector key=value, repeatable: clusters whose labels match every pair. */
export function selectorFlag(summary: string) {
  return Flags.string({char: 'l', summary, multiple: true})
}
