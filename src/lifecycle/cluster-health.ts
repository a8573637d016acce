// Questions about a running cluster that create, start and status all ask:
// is kubelet healthy, which nodes are Ready (and since when), does cluster DNS
// answer. Each is one cheap command in a node.
import type {Node} from '../provider/types.js'
import {kubectlIn} from './kubectl.js'
import {waitFor} from './wait.js'

/** kubelet's own health endpoint on the node answers "ok". */
export const KUBELET_HEALTHY = ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/10248 && printf "GET /healthz HTTP/1.0\\r\\n\\r\\n" >&3 && head -n 1 <&3 | grep -q " 200 "']

export async function kubeletHealthy(node: Node, signal?: AbortSignal): Promise<boolean> {
  const result = await node.exec(KUBELET_HEALTHY, {allowFailure: true, ...(signal ? {signal} : {})})
  return result.exitCode === 0
}

export interface NodeCondition {
  ready: boolean
  /** When kubelet last reported the condition (ISO time, second resolution). */
  heartbeat?: string
}

/** Node name → its Ready condition, from a Node list as the API returns it. */
export function readyConditions(nodeList: unknown): Map<string, NodeCondition> {
  const items = (nodeList as {items?: {metadata?: {name?: string}; status?: {conditions?: {type?: string; status?: string; lastHeartbeatTime?: string}[]}}[]})?.items ?? []
  const found = new Map<string, NodeCondition>()
  for (const item of items) {
    const name = item.metadata?.name
    if (!name) continue
    const ready = item.status?.conditions?.find((c) => c.type === 'Ready')
    found.set(name, {ready: ready?.status === 'True', ...(ready?.lastHeartbeatTime ? {heartbeat: ready.lastHeartbeatTime} : {})})
  }
  return found
}

export async function nodeConditions(admin: Node, signal?: AbortSignal): Promise<Map<string, NodeCondition>> {
  const out = await kubectlIn(admin, ['get', 'nodes', '-o', 'json'], signal ? {signal} : {})
  return readyConditions(JSON.parse(out.stdout))
}

/**
 * Ready as reported after `since`: a node stopped a moment ago still shows the
 * Ready it had before, until the control plane notices 40 s later.
 */
export function readyAfter(condition: NodeCondition | undefined, since: Date): boolean {
  if (!condition?.ready || !condition.heartbeat) return false
  // Heartbeats have second resolution.
  return Date.parse(condition.heartbeat) >= Math.floor(since.getTime() / 1000) * 1000
}

/** The kubernetes Service's address and cluster DNS's, as the cluster has them. */
export async function serviceAddresses(admin: Node, signal?: AbortSignal): Promise<{kubernetes: string; dns: string}> {
  const ip = async (namespace: string, name: string) =>
    (await kubectlIn(admin, ['get', 'service', '-n', namespace, name, '-o', 'jsonpath={.spec.clusterIP}'], signal ? {signal} : {})).stdout.trim()
  const [kubernetes, dns] = await Promise.all([ip('default', 'kubernetes'), ip('kube-system', 'kube-dns')])
  return {kubernetes, dns}
}

/** Longest a single in-node wait for cluster DNS runs: what a user's interrupt leaves running in a retained node. */
const DNS_WAIT_SLICE_S = 30

/**
 * Waits in the node until cluster DNS resolves kubernetes.default to the kubernetes Service's address, asking
 * every 0.1 s: one exec for the whole wait, instead of one per question (each exec costs the engine, containerd
 * and runc more CPU than the question, while the node is at its busiest), and the answer is seen within 0.1 s.
 * A slice ends after `seconds` at most; then it throws with nslookup's last line.
 */
export async function untilClusterDnsAnswers(admin: Node, addresses: {kubernetes: string; dns: string}, seconds: number, signal?: AbortSignal): Promise<true> {
  const slice = Math.max(1, Math.min(DNS_WAIT_SLICE_S, Math.ceil(seconds)))
  const script = [
    'end=$(( $(date +%s) + $3 ))',
    'while :; do',
    '  out=$(busybox nslookup -timeout=1 kubernetes.default.svc.cluster.local "$1" 2>&1)',
    // busybox separates "Address:" from the address by a space or a tab.
    '  printf "%s\\n" "$out" | tr -s " \\t" "  " | grep -Fqx "Address: $2" && exit 0',
    '  [ "$(date +%s)" -ge "$end" ] && { printf "%s\\n" "$out" | grep . | tail -n 1; exit 1; }',
    '  sleep 0.1',
    'done',
  ].join('\n')
  const result = await admin.exec(['sh', '-c', script, 'kcluster-dns-wait', addresses.dns, addresses.kubernetes, String(slice)], {allowFailure: true, ...(signal ? {signal} : {})})
  if (result.exitCode === 0) return true
  throw new Error(`nslookup: ${(result.stdout + result.stderr).trim().split('\n').at(-1) || `exit ${result.exitCode}`}`)
}

/** Waits up to `timeoutMs` for cluster DNS to resolve kubernetes.default: in-node slices, none outlasting the wait. */
export function waitForClusterDns(admin: Node, addresses: {kubernetes: string; dns: string}, timeoutMs: number, signal: AbortSignal): Promise<true> {
  const deadline = Date.now() + timeoutMs
  return waitFor({what: `cluster DNS at ${addresses.dns} to resolve kubernetes.default`, timeoutMs, intervalMs: 100, signal}, () =>
    untilClusterDnsAnswers(admin, addresses, Math.max(0, deadline - Date.now()) / 1000, signal),
  )
}
