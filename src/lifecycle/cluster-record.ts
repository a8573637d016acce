// What create leaves in every node about how the cluster was made: the
// version of kcluster and the resolved cluster spec. It lives in the nodes, not
// in a file on this machine, so it goes wherever the cluster goes and can never
// disagree with it.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {ClusterSpec} from '../config/cluster-spec.js'
import {packageRoot} from '../images/paths.js'

/** Beside kubeadm's configuration; the engine reads it (`docker cp`) from a stopped node too. */
export const CLUSTER_RECORD_PATH = '/etc/kcluster/cluster.json'

/** The output of the node's `kubeadm init` or `join`, as create ran it. */
export const KUBEADM_LOG_PATH = '/var/log/kcluster/kubeadm.log'

export interface ClusterRecord {
  kclusterVersion: string
  createdAt: string
  spec: ClusterSpec
}

let version: string | undefined

/** The version of this kcluster, from its package.json. */
export function kclusterVersion(): string {
  version ??= String((JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {version?: unknown}).version ?? 'unknown')
  return version
}

export function renderClusterRecord(spec: ClusterSpec, now: Date): string {
  const record: ClusterRecord = {kclusterVersion: kclusterVersion(), createdAt: now.toISOString(), spec}
  return `${JSON.stringify(record, null, 2)}\n`
}
