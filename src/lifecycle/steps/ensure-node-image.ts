import {InvalidInputError, type InputProblem} from '../../errors/index.js'
import type {Step, StepContext} from '../../progress/step.js'
import {DEFAULT_KUBERNETES_VERSION, checkKubernetesVersion} from '../../config/kubernetes-version.js'
import type {CreateContext} from '../create-context.js'

/** A node's own image must exist and carry the cluster's Kubernetes: kubeadm joins it to that version. */
async function checkNodeImages(ctx: CreateContext): Promise<void> {
  const problems: InputProblem[] = []
  for (const [index, node] of ctx.spec.nodes.entries()) {
    if (node.image === undefined || node.image === ctx.image) continue
    const version = (await ctx.images.describe(node.image)).kubernetesVersion
    if (version !== undefined && version !== ctx.kubernetesVersion) {
      problems.push({field: `nodes[${index}].image`, message: `${node.image} carries Kubernetes ${version}, the cluster ${ctx.kubernetesVersion}; give every node an image of one version`})
    }
  }
  if (problems.length > 0) throw new InvalidInputError(problems)
}

/** A given image says which Kubernetes it carries; the default image is built when missing. */
export const ensureNodeImage: Step<CreateContext> = {
  id: 'ensure-node-image',
  title: 'Ensure the node image',
  run: async (ctx, step) => {
    await ensureClusterImage(ctx, step)
    await checkNodeImages(ctx)
  },
}

async function ensureClusterImage(ctx: CreateContext, step: StepContext): Promise<void> {
  const given = ctx.spec.image
  if (given === undefined) {
    const version = ctx.spec.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION
    const ensured = await ctx.images.ensureDefault(version, step)
    ctx.image = ensured.reference
    ctx.imageBuilt = ensured.built
    ctx.kubernetesVersion = version
    ctx.bundledImages = (await ctx.images.describe(ensured.reference)).bundled
    return
  }
  const facts = await ctx.images.describe(given)
  ctx.bundledImages = facts.bundled
  const labelled = facts.kubernetesVersion
  const stated = ctx.spec.kubernetesVersion
  if (labelled !== undefined && stated !== undefined && labelled !== stated) {
    throw new InvalidInputError([{field: 'kubernetesVersion', message: `${stated} differs from ${labelled}, the version node image ${given} carries; leave the version out to use the image's`}])
  }
  const version = stated ?? labelled
  if (version === undefined) {
    throw new InvalidInputError([{field: 'kubernetesVersion', message: `node image ${given} does not say which Kubernetes it carries (no io.kcluster.kubernetes-version label); give it with --kubernetes-version`}])
  }
  const checked = checkKubernetesVersion(version)
  if ('problem' in checked) throw new InvalidInputError([{...checked.problem, message: `of node image ${given}: ${checked.problem.message}`}])
  ctx.image = given
  ctx.kubernetesVersion = checked.version
  step.report(`${given} carries Kubernetes ${checked.version}`)
}
