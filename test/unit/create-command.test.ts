// `kcluster create --config FILE --dry-run` through oclif, with a provider
// that fails the test if anything asks it for Docker.
import assert from 'node:assert/strict'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {Config} from '@oclif/core'
import Create from '../../src/commands/create.js'
import type {Provider} from '../../src/provider/types.js'
import {FIXTURES} from './config-fixture-files.js'
import {loadTestConfig, runCommand} from '../fakes/run-command.js'

class DryCreate extends Create {
  static override id = 'create'
  protected override provider(): Provider {
    throw new Error('the dry run asked for Docker')
  }
}

describe('create --dry-run', () => {
  let root: string
  let config: Config
  let dispose: () => Promise<void>
  before(async () => {
    ;({root, config, dispose} = await loadTestConfig('kcluster-create-test-'))
  })
  after(() => dispose())

  const invoke = (argv: string[]) => runCommand(DryCreate, argv, config)

  test('--json: the plan and its warnings in one envelope, Docker never asked', async () => {
    const {stdout, exit} = await invoke(['--config', path.join(FIXTURES, 'valid', 'kind-port-mappings.yaml'), '--dry-run', '--json', '--name', 'dry'])
    assert.equal(exit, 0)
    const envelope = JSON.parse(stdout)
    assert.equal(envelope.status, 'ok')
    assert.equal(envelope.result.dryRun, true)
    assert.equal(envelope.result.name, 'dry', '--name overrides the file')
    assert.deepEqual(envelope.result.nodes.map((n: {containerName: string}) => n.containerName), ['kcluster.dry.control-plane', 'kcluster.dry.worker'])
    assert.deepEqual(envelope.result.warnings.map((w: {field: string}) => w.field), ['nodes[0].extraPortMappings[1].hostPort', 'nodes[0].extraPortMappings[1].listenAddress', 'nodes[1].extraPortMappings[0].listenAddress'])
  })

  test('for people: the plan on stdout, the warnings on stderr', async () => {
    const {stdout, stderr, exit} = await invoke(['--config', path.join(FIXTURES, 'valid', 'kind-disable-default-cni.yaml'), '--dry-run'])
    assert.equal(exit, 0)
    assert.match(stdout, /^Cluster kcluster \(dry run\): 1 node\(s\)/)
    assert.equal(stderr, 'Warning: networking.disableDefaultCNI: no pod network is installed, so nodes stay NotReady and create does not wait for them: install one (Calico, Cilium…) next\n')
  })

  test('an invalid file: exit 3 with every problem, Docker never asked', async () => {
    const {stdout, exit} = await invoke(['--config', path.join(FIXTURES, 'invalid', 'port-out-of-range.yaml'), '--dry-run', '--json'])
    assert.equal(exit, 3)
    assert.deepEqual(JSON.parse(stdout).error.details.problems.map((p: {field: string}) => p.field), ['nodes[1].extraPortMappings[0].hostPort', 'nodes[1].extraPortMappings[1].containerPort'])
  })

  test('KCLUSTER_NAME and KCLUSTER_KUBECONFIG stand in for --name and --kubeconfig; a flag wins over them', async () => {
    const saved = {name: process.env.KCLUSTER_NAME, kubeconfig: process.env.KCLUSTER_KUBECONFIG}
    process.env.KCLUSTER_NAME = 'from-env'
    process.env.KCLUSTER_KUBECONFIG = path.join(root, 'env-kubeconfig')
    try {
      const fromEnv = JSON.parse((await invoke(['--dry-run', '--json'])).stdout)
      assert.equal(fromEnv.result.name, 'from-env')
      assert.equal(fromEnv.result.kubeconfig, path.join(root, 'env-kubeconfig'))
      const flagWins = JSON.parse((await invoke(['--dry-run', '--json', '--name', 'from-flag'])).stdout)
      assert.equal(flagWins.result.name, 'from-flag')
      process.env.KCLUSTER_NAME = 'Bad_Name'
      const bad = await invoke(['--dry-run', '--json'])
      assert.equal(bad.exit, 3)
      assert.match(JSON.parse(bad.stdout).error.message, /Bad_Name/)
    } finally {
      for (const [key, value] of [['KCLUSTER_NAME', saved.name], ['KCLUSTER_KUBECONFIG', saved.kubeconfig]] as const) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
    }
  })
})
