// An image recipe: what an image is built from and how. Its tag is the hash of
// all its inputs, so a recipe names its image before (and without) building it.
import {createHash} from 'node:crypto'
import type {ImageBuilder} from '../provider/image-builder.js'
import {hashInputs} from './inputs.js'
import {packageRoot} from './paths.js'

export interface RecipeInputs {
  /** Paths relative to the recipe's root; folders count with everything in them. */
  files?: string[]
  /** Versions, mirrors, names: anything else the image depends on. */
  values?: Record<string, string>
  /** Modules (their import.meta.url) whose source says how the image is built. */
  code?: string[]
}

export interface BuildContext {
  /** The reference to produce. */
  reference: string
  /** Labels the produced image must carry. */
  labels: Record<string, string>
  builder: ImageBuilder
  /** The reference of each dependency, by recipe id. */
  dependencies: Record<string, string>
  /** The folder the recipe's input files are relative to. */
  root: string
  /** An empty folder for this build only; removed afterwards. */
  scratch: string
  report(line: string): void
  signal: AbortSignal
}

export interface ImageRecipe {
  /** Stable name ("kube-binaries"): progress step id and image label. */
  id: string
  /** What the progress line says the step does. */
  title: string
  repository: string
  /** Put before the hash in the tag ("v1.34.4" → v1.34.4-0123456789ab). */
  tagPrefix?: string
  /** Default: kcluster's package root. */
  root?: string
  inputs: RecipeInputs
  /** The base image and every other image the build uses. */
  dependencies?: ImageRecipe[]
  build(ctx: BuildContext): Promise<void>
}

/** What names a recipe and its image; every recipe kind takes these as they are. */
export type RecipeIdentity = Pick<ImageRecipe, 'id' | 'title' | 'repository' | 'tagPrefix' | 'root'>

export function identityOf({id, title, repository, tagPrefix, root}: RecipeIdentity): RecipeIdentity {
  return {id, title, repository, tagPrefix, root}
}

/** Hash of the recipe's own inputs and, through theirs, of everything below it. */
export function inputHash(recipe: ImageRecipe): string {
  const hash = createHash('sha256')
  hash.update(`recipe ${recipe.id} ${recipe.repository} ${recipe.tagPrefix ?? ''}\n`)
  hash.update(`inputs ${hashInputs(recipeRoot(recipe), recipe.inputs)}\n`)
  for (const dependency of recipe.dependencies ?? []) hash.update(`dependency ${dependency.id} ${inputHash(dependency)}\n`)
  return hash.digest('hex')
}

export function imageReference(recipe: ImageRecipe): string {
  const hash = inputHash(recipe).slice(0, 12)
  return `${recipe.repository}:${recipe.tagPrefix ? `${recipe.tagPrefix}-${hash}` : hash}`
}

export function recipeRoot(recipe: ImageRecipe): string {
  return recipe.root ?? packageRoot()
}
