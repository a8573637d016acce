import {Flags} from '@oclif/core'
import {KclusterCommand} from '../cli/base-command.js'
import {loadClusterConfig} from '../config/load-config.js'
import {describeDoctor, doctor, type DoctorResult} from '../lifecycle/doctor.js'
import {ExitCode} from '../errors/index.js'

export default class Doctor extends KclusterCommand<DoctorResult> {
  static override summary = 'Check this machine for what breaks clusters, before creating one'
  static override description = `Checks the Docker engine (version, cgroups), whether --privileged works, the inotify limits and free disk a cluster of this shape needs, the host ports a config fixes, and the proxy variables; each problem comes with the command that fixes it. Exit code 0 when nothing failed (warnings allowed), ${ExitCode.HOST_NOT_READY} when a check failed.`
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --nodes 4', '<%= config.bin %> doctor --config cluster.yaml --json']

  static override flags = {
    config: Flags.string({summary: 'Cluster config file to check for (its nodes and host ports); - reads standard input', exclusive: ['nodes']}),
    nodes: Flags.integer({summary: 'Number of nodes to check for, without a config (one control plane, the rest workers)', min: 1, exclusive: ['config']}),
  }

  async run(): Promise<DoctorResult> {
    const {flags} = await this.parse(Doctor)
    const config = flags.config === undefined ? undefined : await loadClusterConfig(flags.config)
    const result = await doctor({...(config ? {config} : {}), ...(flags.nodes === undefined ? {} : {nodes: flags.nodes})}, {provider: this.provider()})
    if (!this.jsonEnabled()) this.log(describeDoctor(result))
    process.exitCode = result.ok ? ExitCode.OK : ExitCode.HOST_NOT_READY
    return result
  }
}
