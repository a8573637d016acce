import {Flags} from '@oclif/core'
import {KclusterCommand} from '../cli/base-command.js'
import {DEFAULT_CLUSTER_NAME} from '../config/cluster-options.js'
import {createCluster, type CreateResult} from '../lifecycle/create-cluster.js'
import {clusterImagesFrom} from '../lifecycle/cluster-images.js'

export default class Create extends KclusterCommand<CreateResult> {
  static override summary = 'Create a Kubernetes cluster in Docker'
  static override description = 'Boots the node containers, bootstraps Kubernetes with kubeadm, installs the pod network and merges a kubeconfig context kcluster-<name>. Builds the default node image first if it is missing.'
  static override examples = ['<%= config.bin %> create', '<%= config.bin %> create --name ci --wait 3m --json']

  static override flags = {
    name: Flags.string({char: 'n', summary: 'Cluster name (DNS-1123 label)', default: DEFAULT_CLUSTER_NAME}),
    image: Flags.string({summary: 'Node image to use instead of the default one (its label tells the Kubernetes version)'}),
    'kubernetes-version': Flags.string({summary: 'Kubernetes version of the default node image'}),
    wait: Flags.string({summary: 'How long to wait for Ready nodes and answering DNS (0 = do not wait)', default: '5m'}),
    retain: Flags.boolean({summary: 'Keep the node containers when creation fails, for debugging'}),
    kubeconfig: Flags.string({summary: 'Kubeconfig file to update (default: $KUBECONFIG or ~/.kube/config)'}),
  }

  async run(): Promise<CreateResult> {
    const {flags} = await this.parse(Create)
    this.leftoverHint = `remove what is left with \`kcluster delete --name ${flags.name}\``
    const provider = this.provider()
    const result = await createCluster(
      {name: flags.name, image: flags.image, kubernetesVersion: flags['kubernetes-version'], wait: flags.wait, retain: flags.retain, kubeconfig: flags.kubeconfig},
      {provider, images: clusterImagesFrom(provider), runner: this.stepRunner(), signal: this.abortSignal()},
    )
    this.logToStderr(`Cluster ${result.name} is up in ${(result.durationMs / 1000).toFixed(1)}s. Context ${result.context} is now current:\n  kubectl cluster-info --context ${result.context}`)
    return result
  }
}
