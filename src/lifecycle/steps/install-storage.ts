import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fillPlaceholders, packageRoot} from '../../images/index.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {kubectlIn} from '../kubectl.js'
import {API_SERVER_PORT} from '../../config/api-server.js'

/** The default StorageClass `standard` and its provisioner, from the images preloaded in the node image. */
export function storageManifest(images: {provisioner: string; helper: string}, apiServer: {host: string; port: number}, root = packageRoot()): string {
  const template = readFileSync(join(root, 'templates/storage/local-path.yaml'), 'utf8')
  return fillPlaceholders(
    template,
    {PROVISIONER_IMAGE: images.provisioner, HELPER_IMAGE: images.helper, API_SERVER_HOST: apiServer.host, API_SERVER_PORT: String(apiServer.port)},
    'templates/storage/local-path.yaml',
  )
}

function storageImages(ctx: CreateContext): {provisioner: string; helper: string} | undefined {
  const provisioner = ctx.bundledImages['local-path-provisioner']
  const helper = ctx.bundledImages['storage-helper']
  return provisioner && helper ? {provisioner, helper} : undefined
}

export const installStorage: Step<CreateContext> = {
  id: 'install-storage',
  title: 'Install the default storage class',
  skip: (ctx) => (storageImages(ctx) ? undefined : 'the node image carries no storage images'),
  run: async (ctx, step) => {
    const plan = required(ctx.plan, 'the plan')
    const manifest = storageManifest(required(storageImages(ctx), 'the storage images'), {host: plan.apiServer.endpointIpv4, port: API_SERVER_PORT})
    // Applied, not waited for: the provisioner starts while the nodes become Ready.
    await kubectlIn(initNode(ctx), ['apply', '--server-side', '--field-manager=kcluster', '-f', '-'], {stdin: manifest, signal: step.signal})
  },
}
