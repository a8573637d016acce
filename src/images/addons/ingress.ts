// The ingress addon's image: Traefik compiled from its Go module, which serves
// Ingress and Gateway API routes. Traefik's web UI is left out (its assets
// need a Node.js build); the binary embeds the empty placeholder folder.
import {dockerfileRecipe} from '../kinds/dockerfile.js'
import {goModuleRecipe} from '../kinds/go-module.js'
import {goBuilderRecipe, type NodeImageOptions} from '../node-image.js'
import type {ImageRecipe} from '../recipe.js'

/** The newest Traefik the module proxy serves whose go.mod needs no sibling module of its own tree. */
export const TRAEFIK_VERSION = 'v3.6.12'
/** Traefik's go.mod asks for Go 1.25; the toolchain is fetched as a module like any other. */
export const TRAEFIK_GO_TOOLCHAIN = 'go1.26.8'
/** Inside the image: the standard-channel Gateway API CRDs of the version Traefik is built against. */
export const GATEWAY_API_CRDS_PATH = '/manifests/gateway-api-crds.yaml'
export const GATEWAY_API_VERSION_PATH = '/manifests/gateway-api-version'

export function traefikImageRecipe(options: NodeImageOptions = {}): ImageRecipe {
  const {root} = options
  const binaries = goModuleRecipe({
    id: 'traefik-binaries',
    title: `Compile Traefik ${TRAEFIK_VERSION} from its Go module`,
    repository: 'kcluster/traefik-binaries',
    tagPrefix: TRAEFIK_VERSION,
    root,
    builder: goBuilderRecipe(options),
    source: 'images/addons/ingress/go',
    script: 'build.sh',
    args: [TRAEFIK_VERSION],
    env: {GOTOOLCHAIN: TRAEFIK_GO_TOOLCHAIN},
  })
  return dockerfileRecipe({
    id: 'traefik',
    title: 'Traefik image',
    repository: 'kcluster/traefik',
    tagPrefix: TRAEFIK_VERSION,
    root,
    dockerfile: 'images/addons/ingress/Dockerfile',
    images: {BINARIES: binaries},
  })
}
