// Create enables its addons (storage by default, those of the config file and
// --addons) once the pod network is in: applied first, then waited for while
// the nodes come up and cluster DNS starts answering.
import {API_SERVER_PORT} from '../../config/api-server.js'
import type {Step, StepContext} from '../../progress/step.js'
import {finishAhead, quietStep, startAhead} from '../ahead.js'
import {CATALOG} from '../../addons/index.js'
import {apiFirstKubectl, catalogResources} from '../addon-status.js'
import {withAdminApi} from '../admin-api.js'
import {checkClusterOptions, enableAddon, resolveClusterAddons, waitForAddons, type AddonCluster, type AddonRequest} from '../addons.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'

function requests(ctx: CreateContext): AddonRequest[] {
  ctx.addons ??= resolveClusterAddons(ctx.spec.addons ?? [])
  return ctx.addons
}

function clusterOf(ctx: CreateContext): AddonCluster {
  const plan = required(ctx.plan, 'the plan')
  const admin = initNode(ctx)
  return {
    name: ctx.spec.name,
    nodes: ctx.nodes,
    admin,
    values: {
      cluster: ctx.spec.name,
      network: plan.network,
      nodes: ctx.nodes.map((n) => ({name: n.name, role: n.role, ipv4: n.ipv4})),
      controlPlane: {name: admin.name, ipv4: admin.ipv4},
      apiServer: {host: plan.apiServer.endpointIpv4, port: API_SERVER_PORT},
    },
    bundled: ctx.bundledImages,
  }
}

export const enableAddonsStep: Step<CreateContext> = {
  id: 'enable-addons',
  title: 'Enable the addons',
  skip: (ctx) => (requests(ctx).length === 0 ? 'no addons (storage turned off, none asked for)' : undefined),
  run: async (ctx, step) => {
    if (await finishAhead(ctx.ahead, enableAddonsStep.id, step)) return step.report(`${requests(ctx).map((r) => r.addon.name).join(', ')}: applied while kubeadm finished`)
    await applyAddons(ctx, step)
  },
}

async function applyAddons(ctx: CreateContext, step: StepContext): Promise<void> {
  checkClusterOptions(requests(ctx), clusterOf(ctx).values)
  // Their objects go to the API from this host (see ../admin-api.ts).
  await withAdminApi(ctx, step.signal, async (api) => {
    const cluster: AddonCluster = {...clusterOf(ctx), ...(api ? {apply: api.apply} : {})}
    for (const request of requests(ctx)) {
      step.report(`${request.addon.name} (${request.addon.upstream.project} ${request.addon.upstream.version})`)
      // The objects that must wait for the addon to serve go in during the wait, unless create does not wait.
      await enableAddon(ctx.provider, cluster, request, {waitMs: 0, deferLate: ctx.run.waitMs > 0 && !required(ctx.plan, 'the plan').disableDefaultCNI}, step)
    }
  })
}

/** The addons' images, files and objects, applied while kubeadm finishes (see ../ahead.ts). */
export function applyAddonsAhead(ctx: CreateContext, signal: AbortSignal): Promise<void> {
  return applyAddons(ctx, quietStep(signal))
}

export const waitAddonsStep: Step<CreateContext> = {
  id: 'wait-addons',
  title: 'Wait for the addons to be ready',
  skip: (ctx) => {
    if (requests(ctx).length === 0) return 'no addons'
    if (ctx.run.waitMs === 0) return 'not asked to wait (--wait 0)'
    return required(ctx.plan, 'the plan').disableDefaultCNI ? 'no pod network installed (disableDefaultCNI): addon pods start once you install one' : undefined
  },
  run: async (ctx, step) => {
    const names = requests(ctx).map((r) => r.addon.name).join(', ')
    if (await finishAhead(ctx.ahead, waitAddonsStep.id, step)) return step.report(`${names}: ready while the nodes came up`)
    step.report(names)
    await waitAddons(ctx, step)
  },
}

/** Each addon's readiness checks, their reads asked of the API from this host (see ../admin-api.ts). */
function waitAddons(ctx: CreateContext, step: StepContext): Promise<void> {
  return withAdminApi(ctx, step.signal, (api) =>
    waitForAddons(clusterOf(ctx), requests(ctx), ctx.run.waitMs, step, api ? (kubectl) => apiFirstKubectl(catalogResources(CATALOG), api.get, kubectl) : undefined),
  )
}

/** The wait for the addons, started beside the wait for the nodes and cluster DNS: it only polls, and each wait is mostly for a pod to start. */
export function waitForAddonsAhead(ctx: CreateContext): void {
  if (waitAddonsStep.skip?.(ctx)) return
  startAhead(ctx.ahead, waitAddonsStep.id, (signal) => waitAddons(ctx, quietStep(signal)))
}
