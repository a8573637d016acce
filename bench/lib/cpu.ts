// CPU time a node container has used, from its own cgroup: a create's cost in work, which on a busy or noisy
// machine varies much less than its wall time.
import {execa} from 'execa'

// Runs in the node: cgroup v1 (nanoseconds) or v2 (microseconds), printed as seconds.
const READ_CPU = String.raw`
if [ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ]; then awk '{printf "%.3f\n", $1 / 1e9}' /sys/fs/cgroup/cpuacct/cpuacct.usage
else awk '$1=="usage_usec" {printf "%.3f\n", $2 / 1e6}' /sys/fs/cgroup/cpu.stat; fi`

export async function nodeCpuSeconds(container: string): Promise<number> {
  const {stdout} = await execa('docker', ['exec', container, 'sh', '-c', READ_CPU])
  const seconds = Number(stdout.trim())
  if (!Number.isFinite(seconds)) throw new Error(`no CPU time from ${container}: ${JSON.stringify(stdout)}`)
  return seconds
}
