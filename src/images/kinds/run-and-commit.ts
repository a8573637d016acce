// Recipe kind: run a script in a container of a base image, then commit the
// container as the new image. The node image preloads its images this way.
import {join} from 'node:path'
import {RECIPE_LABEL} from '../../provider/image-builder.js'
import {identityOf, type BuildContext, type ImageRecipe, type RecipeInputs, type RecipeIdentity} from '../recipe.js'

/** Where the archive of `saveImages` is mounted in the container. */
export const SAVED_IMAGES_PATH = '/preload/images.tar'

export interface RunAndCommitOptions extends RecipeIdentity {
  /** The image whose container runs the script. */
  base: ImageRecipe
  /** Images given to the script as one `docker save` archive at SAVED_IMAGES_PATH. */
  saveImages?: ImageRecipe[]
  /** Other images `prepare` reads. */
  uses?: ImageRecipe[]
  /** Run with the node's powers (containerd inside needs them). */
  nodePowers?: boolean
  tmpfs?: Record<string, string>
  /** Declare what `prepare` reads, with its module in `code`. */
  inputs: RecipeInputs
  /** The script and what the commit sets, from the dependencies' references and contents. */
  prepare(ctx: BuildContext): Promise<{script: string; changes: string[]; labels: Record<string, string>}>
}

export function runAndCommitRecipe(options: RunAndCommitOptions): ImageRecipe {
  const saved = options.saveImages ?? []
  return {
    ...identityOf(options),
    dependencies: [options.base, ...saved, ...(options.uses ?? [])],
    inputs: {
      files: options.inputs.files,
      values: {...options.inputs.values, base: options.base.id, saved: saved.map((recipe) => recipe.id).join(' '), nodePowers: String(!!options.nodePowers), tmpfs: JSON.stringify(options.tmpfs ?? {})},
      code: [import.meta.url, ...(options.inputs.code ?? [])],
    },
    build: async (ctx) => {
      const {script, changes, labels} = await options.prepare(ctx)
      const archive = join(ctx.scratch, 'images.tar')
      if (saved.length > 0) {
        ctx.report('saving images')
        await ctx.builder.save(saved.map((recipe) => ctx.dependencies[recipe.id]!), archive, ctx.signal)
      }
      ctx.report('running the script')
      await ctx.builder.runToCompletion(
        {
          image: ctx.dependencies[options.base.id]!,
          entrypoint: ['/bin/bash', '-c'],
          command: [script],
          binds: saved.length > 0 ? [`${archive}:${SAVED_IMAGES_PATH}:ro`] : [],
          tmpfs: options.tmpfs,
          nodePowers: options.nodePowers,
          labels: {'io.kcluster.kind': 'builder', [RECIPE_LABEL]: options.id},
          onLine: (line) => line.startsWith('### ') && ctx.report(line.slice(4)),
          signal: ctx.signal,
        },
        {commitAs: {reference: ctx.reference, changes, labels: {...labels, ...ctx.labels}}},
      )
    },
  }
}
