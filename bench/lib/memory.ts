// Memory of a node container and of each part inside it, as working sets
// (usage minus reclaimable inactive file cache), read from the node's own
// cgroups: kubelet's pods under its cgroupRoot, systemd's units under system.slice.
import {execa} from 'execa'

export interface NodeMemory {
  /** The node container: its root cgroup. */
  workingSetMiB: number
  usageMiB: number
  /** Each part: a pod by the workload it belongs to (replicas summed), or a systemd unit. */
  components: Record<string, number>
}

const MIB = 2 ** 20

// Runs in the node: one line per cgroup, "<path> <usage bytes> <inactive file bytes>", cgroup v1 or v2.
const READ_CGROUPS = String.raw`
if [ -f /sys/fs/cgroup/memory/memory.usage_in_bytes ]; then root=/sys/fs/cgroup/memory; usage=memory.usage_in_bytes; inactive=total_inactive_file
else root=/sys/fs/cgroup; usage=memory.current; inactive=inactive_file; fi
cd $root
for d in . system.slice/*.service kubelet/kubepods/*/pod* kubelet/kubepods/pod*; do
  [ -f "$d/$usage" ] || continue
  echo "$d $(cat $d/$usage) $(awk -v k=$inactive '$1==k {print $2}' $d/memory.stat)"
done`

/** A pod's workload: its name without the node name and the ReplicaSet or DaemonSet suffixes. */
export function workloadOf(podName: string, nodeName: string): string {
  return podName
    .replace(new RegExp(`-${nodeName}$`), '')
    .replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '')
    .replace(/-[a-z0-9]{5}$/, '')
}

export async function nodeMemory(container: string, nodeName: string): Promise<NodeMemory> {
  // The node's root cgroup is the container's own (a private cgroup namespace): the figure Docker reports.
  const [cgroups, pods] = await Promise.all([
    execa('docker', ['exec', container, 'sh', '-c', READ_CGROUPS]),
    execa('docker', ['exec', container, 'crictl', 'pods', '-o', 'json']),
  ])
  const podNames = new Map<string, string>()
  for (const pod of (JSON.parse(pods.stdout) as {items: {metadata: {uid: string; name: string}}[]}).items) podNames.set(pod.metadata.uid.replaceAll('-', '_'), pod.metadata.name)
  const components: Record<string, number> = {}
  let node = {usage: 0, inactive: 0}
  for (const line of cgroups.stdout.split('\n').filter(Boolean)) {
    const [path, usage, inactive = '0'] = line.split(' ') as [string, string, string?]
    const bytes = {usage: Number(usage), inactive: Number(inactive)}
    if (path === '.') {
      node = bytes
      continue
    }
    const unit = /^system\.slice\/(.+)\.service$/.exec(path)
    const pod = /pod([0-9a-f_-]+)$/.exec(path)
    const name = unit ? `${unit[1]} (systemd)` : pod ? workloadOf(podNames.get(pod[1]!.replaceAll('-', '_')) ?? `pod ${pod[1]}`, nodeName) : path
    components[name] = (components[name] ?? 0) + (bytes.usage - bytes.inactive) / MIB
  }
  const rounded = Object.fromEntries(Object.entries(components).map(([k, v]) => [k, Math.round(v)]).filter(([, v]) => (v as number) > 0))
  return {workingSetMiB: Math.round((node.usage - node.inactive) / MIB), usageMiB: Math.round(node.usage / MIB), components: rounded}
}
