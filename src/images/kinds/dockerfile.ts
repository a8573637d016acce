// Recipe kind: `docker build` of a Dockerfile template in a staged context.
// The template names the images it uses by placeholder ({{BASE}},
// {{BINARIES}}), filled with their hash-tagged references.
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fillPlaceholders} from '../placeholders.js'
import {identityOf, type BuildContext, type ImageRecipe, type RecipeInputs, type RecipeIdentity} from '../recipe.js'

export interface DockerfileOptions extends RecipeIdentity {
  /** The Dockerfile template, relative to the root. */
  dockerfile: string
  /** Placeholder → the image whose reference fills it (FROM, COPY --from). */
  images?: Record<string, ImageRecipe>
  /** Placeholder → text. */
  values?: Record<string, string>
  /** Context path → file relative to the root, copied with its mode. */
  copy?: Record<string, string>
  /** Writes further context files at build time; declare what it reads in `inputs` (with its module in `code`). */
  stage?(ctx: BuildContext, directory: string): Promise<void>
  inputs?: RecipeInputs
}

export function dockerfileRecipe(options: DockerfileOptions): ImageRecipe {
  const images = options.images ?? {}
  const copy = options.copy ?? {}
  return {
    ...identityOf(options),
    dependencies: Object.values(images),
    inputs: {
      files: [options.dockerfile, ...Object.values(copy), ...(options.inputs?.files ?? [])],
      values: {
        ...options.inputs?.values,
        dockerfileValues: JSON.stringify(options.values ?? {}),
        // Which image fills which placeholder; the images themselves count as dependencies.
        dockerfileImages: JSON.stringify(Object.entries(images).map(([key, recipe]) => [key, recipe.id])),
        copy: JSON.stringify(copy),
      },
      code: [import.meta.url, ...(options.inputs?.code ?? [])],
    },
    build: async (ctx) => {
      const directory = join(ctx.scratch, 'context')
      mkdirSync(directory, {recursive: true})
      for (const [target, source] of Object.entries(copy)) {
        mkdirSync(dirname(join(directory, target)), {recursive: true})
        copyFileSync(join(ctx.root, source), join(directory, target))
      }
      await options.stage?.(ctx, directory)
      const references = Object.fromEntries(Object.entries(images).map(([key, recipe]) => [key, ctx.dependencies[recipe.id]!]))
      const template = readFileSync(join(ctx.root, options.dockerfile), 'utf8')
      writeFileSync(join(directory, 'Dockerfile'), fillPlaceholders(template, {...options.values, ...references}, options.dockerfile))
      await ctx.builder.buildDirectory(directory, {reference: ctx.reference, labels: ctx.labels}, (line) => /^Step \d+\/\d+ : (?!LABEL )/.test(line) && ctx.report(line), ctx.signal)
    },
  }
}
