import {Flags} from '@oclif/core'
import {KclusterCommand} from '../../cli/base-command.js'
import {getKubeconfig, type GetKubeconfigResult} from '../../lifecycle/cluster-kubeconfig.js'
import {clusterNameFlag} from '../../cli/flags.js'

export default class GetKubeconfig extends KclusterCommand<GetKubeconfigResult> {
  static override summary = "Print a kubeconfig for the cluster (context kcluster-<name>); writes no file"
  static override description = 'The server is the API endpoint published on this machine, as create merges it; --internal gives the address containers on the cluster\'s Docker network reach instead.'
  static override examples = ['<%= config.bin %> get kubeconfig > dev.kubeconfig', '<%= config.bin %> get kubeconfig --name dev --internal']

  static override flags = {
    name: clusterNameFlag(),
    internal: Flags.boolean({summary: "Use the API server's address on the cluster's Docker network (load balancer or first control plane, port 6443)"}),
  }

  async run(): Promise<GetKubeconfigResult> {
    const {flags} = await this.parse(GetKubeconfig)
    const result = await getKubeconfig({name: flags.name, internal: flags.internal}, {provider: this.provider()})
    if (!this.jsonEnabled()) this.log(result.kubeconfig.trimEnd())
    return result
  }
}
