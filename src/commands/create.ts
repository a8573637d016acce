import {Flags} from '@oclif/core'
import {KclusterCommand} from '../cli/base-command.js'
import {loadClusterConfig} from '../config/load-config.js'
import {CLUSTER_PROFILES} from '../config/profile.js'
import {createClusterFromSpec, type CreateResult} from '../lifecycle/create-cluster.js'
import {describeDryRun, dryRunCreate, type DryRunResult} from '../lifecycle/dry-run.js'
import {clusterImagesFrom} from '../lifecycle/cluster-images.js'
import {prepareCreate} from '../lifecycle/prepare-create.js'
import {kubeconfigFlag, newClusterNameFlag} from '../cli/flags.js'

export default class Create extends KclusterCommand<CreateResult | DryRunResult> {
  static override summary = 'Create a Kubernetes cluster in Docker'
  static override description = 'Boots the node containers, bootstraps Kubernetes with kubeadm, installs the pod network and merges a kubeconfig context kcluster-<name>. Builds the default node image first if it is missing. A config file (kcluster.dev/v1alpha1, or kind.x-k8s.io/v1alpha4 as it is) describes clusters of many nodes; flags override it.'
  static override examples = [
    '<%= config.bin %> create',
    '<%= config.bin %> create --name ci --wait 3m --json',
    '<%= config.bin %> create --name ci-$CI_JOB_ID --label run=$CI_JOB_ID --ttl 1h',
    '<%= config.bin %> create --config cluster.yaml --dry-run',
    '<%= config.bin %> create --profile light',
  ]

  static override flags = {
    name: newClusterNameFlag("Cluster name (DNS-1123 label); default: the config file's, else kcluster"),
    config: Flags.string({summary: 'Cluster config file (kcluster.dev/v1alpha1 or kind.x-k8s.io/v1alpha4); - reads standard input'}),
    'dry-run': Flags.boolean({summary: 'Validate and print the plan without touching Docker'}),
    image: Flags.string({summary: 'Node image of every node, instead of the default one or the config file\'s (its label tells the Kubernetes version)'}),
    'kubernetes-version': Flags.string({summary: 'Kubernetes version of the default node image'}),
    profile: Flags.string({summary: "What backs the API server: default (etcd) or light (kine on SQLite, as k3s runs it; one control plane); replaces the config file's", options: [...CLUSTER_PROFILES]}),
    wait: Flags.string({summary: 'How long to wait for Ready nodes and answering DNS (0 = do not wait)', default: '5m'}),
    retain: Flags.boolean({summary: 'Keep the node containers when creation fails, for debugging'}),
    kubeconfig: kubeconfigFlag(),
    label: Flags.string({summary: "Label key=value of the cluster's containers, networks and volumes, for --selector of list, delete and prune (repeatable)", multiple: true}),
    ttl: Flags.string({summary: 'Let `kcluster prune` delete the cluster after this long, e.g. 2h (recorded as an expiry time)'}),
    addons: Flags.string({summary: 'Addons to enable, comma-separated (`kcluster addons list`); -NAME leaves out one that is on by default (-storage)', delimiter: ',', multiple: true}),
  }

  async run(): Promise<CreateResult | DryRunResult> {
    const {flags} = await this.parse(Create)
    const config = flags.config === undefined ? undefined : await loadClusterConfig(flags.config)
    const prepared = prepareCreate({config, name: flags.name, image: flags.image, kubernetesVersion: flags['kubernetes-version'], profile: flags.profile, wait: flags.wait, retain: flags.retain, kubeconfig: flags.kubeconfig, addons: flags.addons, labels: flags.label, ttl: flags.ttl})
    if (!this.jsonEnabled()) for (const warning of prepared.warnings) this.logToStderr(`Warning: ${warning.field}: ${warning.message}`)
    if (flags['dry-run']) {
      const plan = dryRunCreate(prepared)
      if (!this.jsonEnabled()) this.log(describeDryRun(plan))
      return plan
    }
    this.leftoverHint = `remove what is left with \`kcluster delete --name ${prepared.spec.name}\``
    const provider = this.provider()
    const result = await createClusterFromSpec(prepared.spec, prepared.run, {provider, images: clusterImagesFrom(provider), runner: this.stepRunner(), signal: this.abortSignal()})
    this.warnAboutHooks(result.hooks)
    this.logToStderr(`Cluster ${result.name} is up in ${(result.durationMs / 1000).toFixed(1)}s. Context ${result.context} is now current:\n  kubectl cluster-info --context ${result.context}`)
    return {...result, warnings: prepared.warnings}
  }
}
