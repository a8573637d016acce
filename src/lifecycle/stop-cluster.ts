// `kcluster stop`: every container of the cluster halts cleanly (systemd in a
// node gets its stop signal and shuts kubelet and containerd down). Stopped
// containers keep their addresses, ports, volumes and the restart policy
// that brings them back after a reboot only if they were running.
import {ClusterMissingError} from '../errors/index.js'
import type {Provider} from '../provider/types.js'

export interface StopResult {
  name: string
  /** Containers this run stopped. */
  stopped: string[]
  /** Containers that were stopped already. */
  alreadyStopped: string[]
  durationMs: number
}

/**
 * How long systemd in a node gets to shut down before the engine kills it. Most nodes are down in 1-6 s; a pod whose
 * process ignores SIGTERM (busybox httpd as PID 1) would hold a node for systemd's 90 s. Killing loses nothing a
 * restart needs: the host's page cache keeps every write, and etcd runs without fsync anyway.
 */
export const STOP_TIMEOUT_SECONDS = 10

export async function stopCluster(input: {name: string}, {provider}: {provider: Provider}): Promise<StopResult> {
  const started = Date.now()
  await provider.ping()
  const inventory = await provider.inspectCluster(input.name)
  if (!inventory || inventory.containers.length === 0) throw new ClusterMissingError(input.name)
  const running = inventory.containers.filter((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused')
  // All at once: etcd members stopping together lose nothing, and the wait is the slowest node's, not the sum.
  if (running.length > 0) await provider.stopContainers(running.map((c) => c.containerName), STOP_TIMEOUT_SECONDS)
  const stoppedNames = new Set(running.map((c) => c.containerName))
  return {
    name: input.name,
    stopped: [...stoppedNames],
    alreadyStopped: inventory.containers.filter((c) => !stoppedNames.has(c.containerName)).map((c) => c.containerName),
    durationMs: Date.now() - started,
  }
}
