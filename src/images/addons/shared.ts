// What addon images build on: the very builder (and bases) of the node image,
// taken from its recipe tree so that their tags, and so the images, are shared.
import {DEFAULT_KUBERNETES_VERSION} from '../../config/kubernetes-version.js'
import {InternalError} from '../../errors/index.js'
import {dependencyOrder} from '../ensure-image.js'
import {nodeImageRecipe, type NodeImageOptions} from '../node-image.js'
import type {ImageRecipe} from '../recipe.js'

export type SharedRecipeId = 'builder' | 'component-base' | 'node-base'

export function sharedRecipe(id: SharedRecipeId, options: NodeImageOptions = {}): ImageRecipe {
  const found = dependencyOrder(nodeImageRecipe(DEFAULT_KUBERNETES_VERSION, options)).find((recipe) => recipe.id === id)
  if (!found) throw new InternalError(`the node image recipe has no ${id} recipe`)
  return found
}
