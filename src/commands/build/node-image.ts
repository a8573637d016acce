import {Flags} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {DEFAULT_KUBERNETES_VERSION} from '../../config/cluster-options.js'
import {buildNodeImage, type BuildNodeImageResult} from '../../lifecycle/build-node-image.js'

export default class BuildNodeImage extends KclusterCommand<BuildNodeImageResult> {
  static override summary = 'Build the node image locally from Debian packages and upstream Go modules'
  static override description =
    'No registry is needed: the root filesystem comes from Debian packages (KCLUSTER_DEBIAN_MIRROR, else the mirror of this machine\'s apt sources), Kubernetes, etcd and CoreDNS are compiled from their Go modules. Every intermediate image is tagged by the hash of its inputs and Go caches live in Docker volumes, so a rebuild is fast.'

  static override examples = ['<%= config.bin %> build node-image', '<%= config.bin %> build node-image --kubernetes-version v1.34.4 --image kcluster/node:dev', '<%= config.bin %> build node-image --force']

  static override flags = {
    'kubernetes-version': Flags.string({summary: 'Kubernetes version (v1.34.x)', default: DEFAULT_KUBERNETES_VERSION}),
    image: Flags.string({summary: 'Also tag the image with this name (it is always kcluster/node:<version>-<input hash>)'}),
    force: Flags.boolean({summary: 'Rebuild the node image even if one with the same inputs exists (intermediates are still reused)'}),
  }

  async run(): Promise<BuildNodeImageResult> {
    const {flags} = await this.parse(BuildNodeImage)
    const result = await buildNodeImage(
      {kubernetesVersion: flags['kubernetes-version'], image: flags.image, force: flags.force},
      {provider: this.provider(), runner: this.stepRunner(), signal: this.abortSignal()},
    )
    this.logToStderr(result.reused ? `${result.image} is up to date.` : `Built ${result.image} in ${(result.durationMs / 1000).toFixed(1)}s.`)
    return result
  }
}
