import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fillPlaceholders, packageRoot} from '../../images/index.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {kubectlIn} from '../kubectl.js'

/** The default StorageClass `standard` and its provisioner, from the images preloaded in the node image. */
export function storageManifest(images: {provisioner: string; helper: string}, root = packageRoot()): string {
  const template = readFileSync(join(root, 'templates/storage/local-path.yaml'), 'utf8')
  return fillPlaceholders(template, {PROVISIONER_IMAGE: images.provisioner, HELPER_IMAGE: images.helper}, 'templates/storage/local-path.yaml')
}

export const installStorage: Step<CreateContext> = {
  id: 'install-storage',
  title: 'Install the default storage class',
  skip: (ctx) => (ctx.storageImages ? undefined : 'the node image carries no storage images'),
  run: async (ctx, step) => {
    const manifest = storageManifest(required(ctx.storageImages, 'the storage images'))
    // Applied, not waited for: the provisioner starts while the nodes become Ready.
    await kubectlIn(initNode(ctx), ['apply', '--server-side', '--field-manager=kcluster', '-f', '-'], {stdin: manifest, signal: step.signal})
  },
}
