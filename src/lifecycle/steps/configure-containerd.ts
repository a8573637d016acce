import {InvalidInputError, type InputProblem} from '../../errors/index.js'
import {parseJson6902} from '../../config/patch-syntax.js'
import {mergeToml, parseToml, stringifyToml, type TomlTable} from '../../config/toml.js'
import type {ClusterPlan} from '../../plan/plan-cluster.js'
import type {Step} from '../../progress/step.js'
import type {Node} from '../../provider/types.js'
import type {CreateContext} from '../create-context.js'
import {required} from '../create-context.js'
import {applyJson6902, JsonPatchError} from '../kubeadm/json-patch.js'
import {waitFor} from '../wait.js'

export const CONTAINERD_CONFIG_PATH = '/etc/containerd/config.toml'

/** The node's containerd configuration with the config's patches: TOML merges in order, then RFC 6902 operations on it as a document. */
export function patchContainerdConfig(current: string, patches: {merge: string[]; json6902: string[]}): string {
  let config: TomlTable = parseToml(current)
  for (const patch of patches.merge) config = mergeToml(config, parseToml(patch))
  const problems: InputProblem[] = []
  for (const [index, text] of patches.json6902.entries()) {
    const parsed = parseJson6902(text)
    if ('problem' in parsed) {
      problems.push({field: `containerdConfigPatchesJSON6902[${index}]`, message: parsed.problem})
      continue
    }
    try {
      applyJson6902(config, parsed.ok)
    } catch (error) {
      if (!(error instanceof JsonPatchError)) throw error
      problems.push({field: `containerdConfigPatchesJSON6902[${index}]`, message: error.message})
    }
  }
  if (problems.length > 0) throw new InvalidInputError(problems)
  return stringifyToml(config)
}

async function configure(node: Node, patches: {merge: string[]; json6902: string[]}, signal: AbortSignal): Promise<void> {
  const current = (await node.exec(['cat', CONTAINERD_CONFIG_PATH], {signal})).stdout
  await node.writeFile(CONTAINERD_CONFIG_PATH, patchContainerdConfig(current, patches))
  await node.exec(['systemctl', 'restart', 'containerd'], {signal})
  await waitFor({what: `containerd in node ${node.name} after its configuration changed`, timeoutMs: 60_000, intervalMs: 200, signal}, async () => {
    await node.exec(['ctr', 'version'], {signal})
    return true
  })
}

/** Whether the config patches containerd: then it restarts in every node before kubeadm runs. */
export function patchesContainerd(plan: Pick<ClusterPlan, 'containerdPatches'>): boolean {
  const {merge, json6902} = plan.containerdPatches
  return merge.length + json6902.length > 0
}

/** containerdConfigPatches, as kind applies them: before kubeadm, on every node. */
export const configureContainerd: Step<CreateContext> = {
  id: 'configure-containerd',
  title: 'Patch the containerd configuration',
  skip: (ctx) => (patchesContainerd(required(ctx.plan, 'the plan')) ? undefined : 'no containerd patches'),
  run: async (ctx, step) => {
    const patches = required(ctx.plan, 'the plan').containerdPatches
    await Promise.all(ctx.nodes.map((node) => configure(node, patches, step.signal)))
  },
}
