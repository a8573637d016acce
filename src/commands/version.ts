import {KclusterCommand} from '../cli/base-command.js'
import {versionInfo, type VersionInfo} from '../lifecycle/version-info.js'

export default class Version extends KclusterCommand<VersionInfo> {
  static override summary = 'Print the version of kcluster and of what it builds'
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']

  async run(): Promise<VersionInfo> {
    await this.parse(Version)
    const info = versionInfo()
    if (!this.jsonEnabled()) {
      this.log(`kcluster ${info.kcluster} (Node.js ${info.node}, ${info.platform})`)
      this.log(`Kubernetes ${info.kubernetes.default} by default (${info.kubernetes.supported} supported)`)
      this.log(`config: ${info.configApiVersions.join(', ')}`)
      this.log(`flannel ${info.components.flannel}, local-path-provisioner ${info.components.localPathProvisioner}, crictl ${info.components.crictl}`)
    }
    return info
  }
}
