// Makes a recipe's image exist and be up to date, building only what is
// missing or stale. Freshness is decided top-down: an up-to-date image
// needs nothing below it, so the common case is a few inspects.
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {InternalError} from '../errors/index.js'
import {withFileLock} from '../files/lock.js'
import {SequentialStepRunner, type Step, type StepContext} from '../progress/step.js'
import {RECIPE_LABEL, type ImageBuilder, type ImageInfo} from '../provider/image-builder.js'
import {cacheDir} from './paths.js'
import {imageReference, inputHash, recipeRoot, type ImageRecipe} from './recipe.js'

export const INPUTS_LABEL = 'io.kcluster.inputs'
/** JSON {recipe id: image ID} of the dependencies an image was built from. */
export const DEPENDENCIES_LABEL = 'io.kcluster.dependencies'

// A cold Go build takes half an hour on two cores; a waiter must outlast it.
const LOCK = {timeoutMs: 90 * 60_000, staleMs: 3 * 3600_000}

export interface EnsureOptions {
  builder: ImageBuilder
  /** Rebuild the top recipe's image even when it is up to date (its dependencies only if they need it). */
  force?: boolean
  /** Folder of the build locks and scratch folders; default kcluster's cache folder. */
  cache?: string
}

export interface EnsuredImage {
  reference: string
  id: string
  /** This call built the top image (false: it was up to date, or another process built it meanwhile). */
  built: boolean
  labels: Record<string, string>
}

/** The recipe's image, built with whatever of its dependencies needs building. */
export async function ensureImage(recipe: ImageRecipe, options: EnsureOptions & {report?: (line: string) => void; signal?: AbortSignal}): Promise<EnsuredImage> {
  let ensured: EnsuredImage | undefined
  const steps = recipeSteps(recipe, {...options, onEnsured: (image) => (ensured = image)})
  const runner = new SequentialStepRunner((event) => event.state === 'info' && event.message && options.report?.(`${event.stepId}: ${event.message}`))
  await runner.run(steps, undefined, options.signal)
  if (!ensured) throw new InternalError(`the steps of recipe ${recipe.id} ended without its image`)
  return ensured
}

/** One step per recipe, dependencies first; a step whose image needs no build finishes at once. */
export function recipeSteps<C = unknown>(recipe: ImageRecipe, options: EnsureOptions & {onEnsured?: (image: EnsuredImage) => void}): Step<C>[] {
  const session = new EnsureSession(recipe, options)
  return dependencyOrder(recipe).map((item) => ({
    id: item.id,
    title: item.title,
    run: async (_ctx: C, step: StepContext) => {
      const built = await session.ensure(item, step)
      if (item === recipe) options.onEnsured?.(await session.describe(recipe, built))
    },
  }))
}

/** Every recipe below and including `top`, each once (by reference), each after its dependencies. */
export function dependencyOrder(top: ImageRecipe): ImageRecipe[] {
  const seen = new Set<string>()
  const order: ImageRecipe[] = []
  const visit = (recipe: ImageRecipe) => {
    const reference = imageReference(recipe)
    if (seen.has(reference)) return
    seen.add(reference)
    for (const dependency of recipe.dependencies ?? []) visit(dependency)
    order.push(recipe)
  }
  visit(top)
  return order
}

type Freshness = {fresh: true} | {fresh: false; reason: string}

/**
 * Up to date: the tag exists, was built from these inputs, and each
 * dependency that still exists is the very image it was built from. A
 * dependency pruned since does not matter: the image holds what it took.
 */
async function checkFreshness(builder: ImageBuilder, recipe: ImageRecipe): Promise<Freshness> {
  const [image, ...dependencies] = await Promise.all([recipe, ...(recipe.dependencies ?? [])].map((r) => builder.inspect(imageReference(r))))
  if (!image) return {fresh: false, reason: 'missing'}
  if (image.labels[INPUTS_LABEL] !== inputHash(recipe)) return {fresh: false, reason: 'its labels do not match its inputs'}
  const recorded = recordedDependencies(image)
  const changed = (recipe.dependencies ?? []).find((dependency, i) => dependencies[i] && recorded[dependency.id] !== dependencies[i].id)
  return changed ? {fresh: false, reason: `${changed.id} was rebuilt since`} : {fresh: true}
}

function recordedDependencies(image: ImageInfo): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(image.labels[DEPENDENCIES_LABEL] ?? '{}')
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {}
  } catch {
    return {}
  }
}

interface Plan {
  /** Reference → why it must be built. */
  needed: Map<string, string>
  checked: Set<string>
}

/** One ensure of one top recipe: its plan is made once, then each step consults it. */
class EnsureSession {
  private plan?: Promise<Plan>
  private readonly cache: string

  constructor(
    private readonly top: ImageRecipe,
    private readonly options: EnsureOptions,
  ) {
    this.cache = options.cache ?? cacheDir()
  }

  /** Builds the recipe's image if the plan says so and it still needs it under the lock; true when built. */
  async ensure(recipe: ImageRecipe, step: StepContext): Promise<boolean> {
    const reference = imageReference(recipe)
    const plan = await this.planned()
    const reason = plan.needed.get(reference)
    if (reason === undefined) {
      step.report(plan.checked.has(reference) ? `${reference} is up to date` : 'not needed: the images built from it are up to date')
      return false
    }
    const forced = recipe === this.top && this.options.force
    mkdirSync(join(this.cache, 'locks'), {recursive: true})
    // Two processes wanting the same image: the second waits, finds it built, and stops.
    return withFileLock(
      join(this.cache, 'locks', reference.replace(/[^\w.-]/g, '_')),
      async () => {
        if (!forced && (await checkFreshness(this.options.builder, recipe)).fresh) {
          step.report(`${reference} was built meanwhile by another kcluster`)
          return false
        }
        step.report(`building ${reference} (${reason})`)
        await this.build(recipe, reference, step)
        return true
      },
      LOCK,
    )
  }

  async describe(recipe: ImageRecipe, built: boolean): Promise<EnsuredImage> {
    const reference = imageReference(recipe)
    const image = await this.options.builder.inspect(reference)
    if (!image) throw new InternalError(`image ${reference} is missing right after it was ensured`)
    return {reference, id: image.id, built, labels: image.labels}
  }

  /** Why each image that must be built must be, found top-down: below a fresh image nothing is checked. */
  private planned(): Promise<Plan> {
    this.plan ??= (async () => {
      const needed = new Map<string, string>()
      const checked = new Set<string>()
      const visit = async (recipe: ImageRecipe, forced: boolean) => {
        const reference = imageReference(recipe)
        if (checked.has(reference)) return
        checked.add(reference)
        const freshness: Freshness = forced ? {fresh: false, reason: 'forced'} : await checkFreshness(this.options.builder, recipe)
        if (freshness.fresh) return
        needed.set(reference, freshness.reason)
        for (const dependency of recipe.dependencies ?? []) await visit(dependency, false)
      }
      await visit(this.top, !!this.options.force)
      return {needed, checked}
    })()
    return this.plan
  }

  private async build(recipe: ImageRecipe, reference: string, step: StepContext): Promise<void> {
    const dependencies: Record<string, string> = {}
    const ids: Record<string, string> = {}
    for (const dependency of recipe.dependencies ?? []) {
      const dependencyReference = imageReference(dependency)
      const image = await this.options.builder.inspect(dependencyReference)
      if (!image) throw new InternalError(`recipe ${recipe.id} needs ${dependencyReference}, which is missing`)
      dependencies[dependency.id] = dependencyReference
      ids[dependency.id] = image.id
    }
    const hash = inputHash(recipe)
    const labels = {[RECIPE_LABEL]: recipe.id, [INPUTS_LABEL]: hash, [DEPENDENCIES_LABEL]: JSON.stringify(ids)}
    mkdirSync(join(this.cache, 'scratch'), {recursive: true})
    const scratch = mkdtempSync(join(this.cache, 'scratch', `${recipe.id}-`))
    try {
      await recipe.build({reference, labels, builder: this.options.builder, dependencies, root: recipeRoot(recipe), scratch, report: step.report, signal: step.signal})
    } finally {
      rmSync(scratch, {recursive: true, force: true})
    }
    const built = await this.options.builder.inspect(reference)
    if (built?.labels[INPUTS_LABEL] !== hash) throw new InternalError(`recipe ${recipe.id} did not produce ${reference} with its labels`)
  }
}
