// `kcluster port add|list|remove` through oclif against the fake provider: the
// --json shapes scripts rely on, the lines people read, and the exit codes.
import assert from 'node:assert/strict'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {Config} from '@oclif/core'
import PortAdd from '../../src/commands/port/add.js'
import PortList from '../../src/commands/port/list.js'
import PortRemove from '../../src/commands/port/remove.js'
import {INPUTS_LABEL, loadBalancerImageRecipe} from '../../src/images/index.js'
import {imageReference, inputHash} from '../../src/images/recipe.js'
import type {Provider} from '../../src/provider/types.js'
import {FakeProvider} from '../fakes/provider.js'
import {loadTestConfig, runCommand} from '../fakes/run-command.js'

let provider: FakeProvider

// The commands with the fake provider in place of Docker.
class Add extends PortAdd {
  static override id = 'port add'
  protected override provider(): Provider {
    return provider
  }
}
class List extends PortList {
  static override id = 'port list'
  protected override provider(): Provider {
    return provider
  }
}
class Remove extends PortRemove {
  static override id = 'port remove'
  protected override provider(): Provider {
    return provider
  }
}

async function fakeCluster(): Promise<FakeProvider> {
  const fake = new FakeProvider()
  // The front's image exists and is up to date: nothing is built.
  const recipe = loadBalancerImageRecipe()
  fake.images.images.set(imageReference(recipe), {id: 'sha256:lb', labels: {[INPUTS_LABEL]: inputHash(recipe)}})
  await fake.createNetwork({cluster: 'dev', name: 'kcluster-dev', subnet: '172.30.0.0/24', gateway: '172.30.0.1'})
  await fake.provisionNode({cluster: 'dev', name: 'dev-control-plane', containerName: 'kcluster.dev.control-plane', role: 'control-plane', image: 'node', network: 'kcluster-dev', ipv4: '172.30.0.10', securityMode: 'restricted', ports: [{hostAddress: '127.0.0.1', hostPort: 40123, containerPort: 6443, protocol: 'tcp'}], mounts: []})
  return fake
}

describe('port commands', () => {
  let root: string
  let config: Config
  let dispose: () => Promise<void>
  before(async () => {
    ;({root, config, dispose} = await loadTestConfig('kcluster-port-test-'))
  })
  after(() => dispose())

  test('add, list, remove with --json: one envelope each, in the documented shape', async () => {
    provider = await fakeCluster()
    const added = await runCommand(Add, ['8080:30080', '--name', 'dev', '--json'], config)
    assert.equal(added.exit, 0, added.stdout + added.stderr)
    assert.deepEqual(JSON.parse(added.stdout), {
      status: 'ok',
      command: 'port add',
      result: {cluster: 'dev', port: {hostAddress: '127.0.0.1', hostPort: 8080, protocol: 'tcp', node: 'dev-control-plane', nodePort: 30080, source: 'port add', container: 'kcluster.dev.port-127.0.0.1-8080-tcp', state: 'running'}, target: '172.30.0.10:30080'},
    })
    const listed = await runCommand(List, ['--name', 'dev', '--json'], config)
    assert.deepEqual(JSON.parse(listed.stdout).result, {
      cluster: 'dev',
      ports: [
        {hostAddress: '127.0.0.1', hostPort: 8080, protocol: 'tcp', node: 'dev-control-plane', nodePort: 30080, source: 'port add', container: 'kcluster.dev.port-127.0.0.1-8080-tcp', state: 'running'},
        {hostAddress: '127.0.0.1', hostPort: 40123, protocol: 'tcp', node: 'dev-control-plane', containerPort: 6443, source: 'create', container: 'kcluster.dev.control-plane', state: 'running'},
      ],
    })
    const removed = await runCommand(Remove, ['8080', '--name', 'dev', '--json'], config)
    assert.equal(JSON.parse(removed.stdout).result.removed, true)
  })

  test('for people: a table on stdout, notes on stderr', async () => {
    provider = await fakeCluster()
    const added = await runCommand(Add, ['8080:30080', '--name', 'dev'], config)
    assert.match(added.stderr, /127\.0\.0\.1:8080\/tcp now forwards to dev-control-plane:30080 \(kcluster\.dev\.port-127\.0\.0\.1-8080-tcp\)\./)
    const listed = await runCommand(List, ['--name', 'dev'], config)
    assert.equal(
      listed.stdout,
      '127.0.0.1:8080/tcp\tdev-control-plane:30080\tport add\tkcluster.dev.port-127.0.0.1-8080-tcp (running)\n127.0.0.1:40123/tcp\tdev-control-plane container port 6443\tcreate\tkcluster.dev.control-plane (running)\n',
    )
    const missing = await runCommand(Remove, ['9999', '--name', 'dev'], config)
    assert.equal(missing.exit, 0)
    assert.equal(missing.stderr, 'Host port 9999/tcp is not forwarded in cluster dev; nothing to remove.\n')
  })

  test('exit codes: 3 for a bad mapping or a port taken, 5 for a missing cluster', async () => {
    provider = await fakeCluster()
    assert.equal((await runCommand(Add, ['8080', '--name', 'dev', '--json'], config)).exit, 3)
    assert.equal((await runCommand(Add, ['40123:30080', '--name', 'dev', '--json'], config)).exit, 3)
    assert.equal((await runCommand(Remove, ['40123', '--name', 'dev', '--json'], config)).exit, 3)
    const missing = await runCommand(List, ['--name', 'nope', '--json'], config)
    assert.equal(missing.exit, 5)
    assert.equal(JSON.parse(missing.stdout).error.code, 'CLUSTER_MISSING')
  })
})
