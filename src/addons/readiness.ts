// Whether an object an addon installed is ready, from what `kubectl get -o
// json` says of it. Pure: the mechanism asks, this decides.

/** Undefined when ready; else what is still missing, in a sentence. */
export function rolloutProblem(object: any): string | undefined {
  const kind = String(object?.kind ?? '')
  const name = `${kind.toLowerCase()}/${object?.metadata?.name}`
  const status = object?.status ?? {}
  const generation = object?.metadata?.generation
  if (generation !== undefined && status.observedGeneration !== undefined && status.observedGeneration < generation) return `${name}: its controller has not seen the latest change yet`
  if (kind === 'DaemonSet') {
    const wanted = status.desiredNumberScheduled ?? 0
    const ready = status.numberAvailable ?? 0
    const updated = status.updatedNumberScheduled ?? 0
    if (wanted === 0) return `${name}: no node runs it yet`
    return ready >= wanted && updated >= wanted ? undefined : `${name}: ${ready} of ${wanted} pods available`
  }
  const wanted = object?.spec?.replicas ?? 1
  const available = (kind === 'StatefulSet' ? status.readyReplicas : status.availableReplicas) ?? 0
  const updated = status.updatedReplicas ?? 0
  return available >= wanted && updated >= wanted ? undefined : `${name}: ${available} of ${wanted} replicas available`
}

/** Undefined when the condition is True; else its reason and message when it has them. */
export function conditionProblem(object: any, condition: string): string | undefined {
  const name = `${String(object?.kind ?? '').toLowerCase()}/${object?.metadata?.name}`
  const found = (object?.status?.conditions ?? []).find((c: any) => c?.type === condition)
  if (found?.status === 'True') return undefined
  if (!found) return `${name}: no ${condition} condition yet`
  return `${name}: ${condition} is ${found.status}${found.reason ? ` (${found.reason}${found.message ? `: ${found.message}` : ''})` : ''}`
}

/** Why pods are not running, from `kubectl get pods -o json`: waiting reasons (ErrImageNeverPull, CrashLoopBackOff) first. */
export function podProblems(list: any): string[] {
  const problems: string[] = []
  for (const pod of list?.items ?? []) {
    const name = `${pod?.metadata?.namespace}/${pod?.metadata?.name}`
    const statuses = [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])]
    const waiting = statuses.find((s: any) => s?.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing' && s.state.waiting.reason !== 'ContainerCreating')
    if (waiting) {
      problems.push(`pod ${name}: container ${waiting.name} ${waiting.state.waiting.reason}${waiting.state.waiting.message ? `: ${waiting.state.waiting.message}` : ''}`)
      continue
    }
    const unscheduled = (pod?.status?.conditions ?? []).find((c: any) => c?.type === 'PodScheduled' && c?.status === 'False')
    if (unscheduled) problems.push(`pod ${name}: not scheduled (${unscheduled.reason}: ${unscheduled.message})`)
  }
  return problems
}
