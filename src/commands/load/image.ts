import {Args, Flags} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {loadImages, type LoadImagesResult} from '../../lifecycle/load-images.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class LoadImage extends KclusterCommand<LoadImagesResult> {
  static override summary = 'Copy local Docker images into every node of a cluster'
  static override description = 'Workloads then use them with imagePullPolicy IfNotPresent (or Never).'
  static override examples = ['<%= config.bin %> load image my-app:dev', '<%= config.bin %> load image my-app:dev my-sidecar:1.2 --name dev']
  static override strict = false
  static override args = {image: Args.string({required: true, description: 'Image reference(s) in the local Docker engine'})}
  static override flags = {name: clusterNameFlag()}

  async run(): Promise<LoadImagesResult> {
    const {argv, flags} = await this.parse(LoadImage)
    const result = await loadImages({name: flags.name, images: argv as string[]}, {provider: this.provider(), signal: this.abortSignal(), onProgress: (m) => this.jsonEnabled() || this.logToStderr(m)})
    this.logToStderr(`Loaded ${result.images.join(', ')} into ${result.nodes.join(', ')}.`)
    return result
  }
}
