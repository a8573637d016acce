// `kcluster stop`: every container of the cluster halts cleanly (systemd in a
// node gets its stop signal and shuts kubelet and containerd down). Stopped
// containers keep their addresses, ports, volumes and the restart policy
// that brings them back after a reboot only if they were running.
import {ClusterMissingError} from '../errors/index.js'
import {findHooks, type HookOptions} from '../hooks/find-hooks.js'
import {runHooks, type HookOutcome} from '../hooks/run-hooks.js'
import {resolveKubeconfigPath} from '../kubeconfig/index.js'
import {contextName} from '../plan/names.js'
import {SequentialStepRunner, type StepRunner} from '../progress/step.js'
import type {Provider} from '../provider/types.js'
import {recordedHooks} from './cluster-record.js'

/** What `kcluster stop` stopped. */
export interface StopResult {
  name: string
  /** Containers this run stopped. */
  stopped: string[]
  /** Containers that were stopped already. */
  alreadyStopped: string[]
  durationMs: number
  /** The pre-stop hooks that ran; absent when there were none. */
  hooks?: HookOutcome[]
}

/**
 * How long systemd in a node gets to shut down before the engine kills it. Most nodes are down in 1-6 s; a pod whose
 * process ignores SIGTERM (busybox httpd as PID 1) would hold a node for systemd's 90 s. Killing loses nothing a
 * restart needs: the host's page cache keeps every write, and etcd (kine's SQLite alike) runs without fsync anyway.
 */
export const STOP_TIMEOUT_SECONDS = 10

/** A failing pre-stop hook (without continueOnError) leaves the cluster running: a stop can wait, and the hook may guard what a stop would lose. */
export async function stopCluster(
  input: {name: string; kubeconfig?: string},
  {provider, runner = new SequentialStepRunner(), signal, hooks: hookOptions}: {provider: Provider; runner?: StepRunner; signal?: AbortSignal; hooks?: HookOptions},
): Promise<StopResult> {
  const started = Date.now()
  await provider.ping()
  const inventory = await provider.inspectCluster(input.name)
  if (!inventory || inventory.containers.length === 0) throw new ClusterMissingError(input.name)
  const running = inventory.containers.filter((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused')
  // Only a stop that stops something fires the event.
  const hooks = running.length === 0 || hookOptions?.enabled === false ? [] : await findHooks('pre-stop', await recordedHooks(provider, inventory, ['pre-stop']), hookOptions)
  const invocation = {cluster: input.name, context: contextName(input.name), server: inventory.server, kubeconfig: resolveKubeconfigPath(input.kubeconfig), input: {name: input.name, server: inventory.server ?? null, containers: inventory.containers}}
  const outcomes = hooks.length === 0 ? undefined : (await runHooks(hooks, invocation, {runner, signal, env: hookOptions?.env})).outcomes
  // All at once: etcd members stopping together lose nothing, and the wait is the slowest node's, not the sum.
  if (running.length > 0) await provider.stopContainers(running.map((c) => c.containerName), STOP_TIMEOUT_SECONDS)
  const stoppedNames = new Set(running.map((c) => c.containerName))
  return {
    name: input.name,
    stopped: [...stoppedNames],
    alreadyStopped: inventory.containers.filter((c) => !stoppedNames.has(c.containerName)).map((c) => c.containerName),
    durationMs: Date.now() - started,
    ...(outcomes ? {hooks: outcomes} : {}),
  }
}
