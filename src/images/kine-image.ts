// kine, the etcd API over SQLite (as k3s runs it), compiled from its Go module
// for the light profile. Its own image, built the first time a light cluster
// is created: the node image, and so every default cluster, never pays for it.
// The image holds the one program at /kine; create copies it into the control
// plane, where a systemd unit runs it before kubeadm (src/lifecycle/kine.ts).
import {debianMirrors} from './debian-sources.js'
import {goDirective, KINE_GO_TOOLCHAIN} from './go-toolchain.js'
import {goModuleRecipe} from './kinds/go-module.js'
import {goBuilderRecipe, type NodeImageOptions} from './node-image.js'
import type {ImageRecipe} from './recipe.js'

export const KINE_VERSION = 'v0.17.5'
export const KINE_MODULE = 'github.com/k3s-io/kine'
/** Where the program is in the kine image. */
export const KINE_BINARY_PATH = '/kine'

/**
 * Linked statically (SQLite through cgo, libc included; Go's own resolver and
 * user lookup, so nothing loads at run time), so it runs on any node image.
 */
export function kineImageRecipe({root, mirrors = debianMirrors()}: NodeImageOptions = {}): ImageRecipe {
  return goModuleRecipe({
    id: 'kine',
    title: `Compile kine ${KINE_VERSION} (etcd API over SQLite) from its Go module`,
    repository: 'kcluster/kine',
    tagPrefix: KINE_VERSION,
    root,
    builder: goBuilderRecipe({root, mirrors}),
    source: 'images/go',
    script: 'build-module.sh',
    args: [KINE_MODULE, KINE_VERSION, 'kine=.'],
    env: {
      GOTOOLCHAIN: KINE_GO_TOOLCHAIN,
      GO_VERSION: goDirective(KINE_GO_TOOLCHAIN),
      LDFLAGS: `-s -w -X ${KINE_MODULE}/pkg/version.Version=$VERSION -X ${KINE_MODULE}/pkg/version.GitCommit=module -extldflags=-static`,
      CGO_ENABLED: '1',
      TAGS: 'netgo osusergo',
      PREPARE: '',
    },
  })
}
