import {formatDuration} from '../../config/duration.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {nodeConditions, readyConditions, waitForClusterDns, type NodeCondition} from '../cluster-health.js'
import {withAdminApi, type AdminApi} from '../admin-api.js'
import {waitFor} from '../wait.js'
import {waitForAddonsAhead} from './enable-addons.js'

/** Ready means what a user would check first: every node schedules pods and cluster DNS answers. */
export const waitReady: Step<CreateContext> = {
  id: 'wait-ready',
  title: 'Wait for the nodes to be Ready and cluster DNS to answer',
  skip: (ctx) => {
    if (ctx.run.waitMs === 0) return 'not asked to wait (--wait 0)'
    // Without a pod network no node reports Ready; that is the user's to install.
    if (required(ctx.plan, 'the plan').disableDefaultCNI) return 'no pod network installed (disableDefaultCNI): nodes become Ready once you install one'
    return undefined
  },
  run: async (ctx, step) => {
    waitForAddonsAhead(ctx)
    const plan = required(ctx.plan, 'the plan')
    const admin = initNode(ctx)
    const deadline = Date.now() + ctx.run.waitMs
    const remaining = () => Math.max(0, deadline - Date.now())
    const names = ctx.nodes.map((n) => n.name)
    await withAdminApi(ctx, step.signal, (api) =>
      waitFor({what: `${names.length === 1 ? `node ${names[0]}` : `nodes ${names.join(', ')}`} to be Ready (--wait ${formatDuration(ctx.run.waitMs)})`, timeoutMs: remaining(), signal: step.signal}, async () => {
        const conditions = await readyFromHost(api).then((found) => found ?? nodeConditions(admin, step.signal))
        const waiting = names.filter((name) => !conditions.get(name)?.ready)
        if (waiting.length > 0) throw new Error(`not Ready yet: ${waiting.join(', ')}`)
        return true
      }),
    )
    // Cluster DNS is asked through its Service address, which kube-proxy (or its replacement) serves.
    if (plan.kubeProxyMode === 'none') return step.report('nodes Ready; kube-proxy left out (kubeProxyMode none), so cluster DNS is not asked')
    step.report('nodes Ready; asking cluster DNS')
    const addresses = {kubernetes: plan.kubernetesServiceIp, dns: plan.clusterDnsIp}
    await waitForClusterDns(admin, addresses, remaining(), step.signal)
  },
}

/** The nodes' Ready conditions as the API answers this host; undefined when it gets no answer (kubectl in the node asks then). */
async function readyFromHost(api: AdminApi | undefined): Promise<Map<string, NodeCondition> | undefined> {
  const res = await api?.get('/api/v1/nodes')
  if (!res) return undefined
  if (res.statusCode !== 200) throw new Error(`the API server answered ${res.statusCode} for the node list`)
  return readyConditions(JSON.parse(res.body))
}
