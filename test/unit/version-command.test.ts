// `kcluster version`: the package's own version and what it builds, in one stable shape.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {Config} from '@oclif/core'
import Version from '../../src/commands/version.js'
import {packageRoot} from '../../src/images/paths.js'
import {loadTestConfig, runCommand} from '../fakes/run-command.js'

describe('version', () => {
  let root: string
  let config: Config
  let dispose: () => Promise<void>
  before(async () => {
    ;({root, config, dispose} = await loadTestConfig('kcluster-version-test-'))
  })
  after(() => dispose())

  test('--json: the version of package.json, the Kubernetes line, the config apiVersions and the bundled components', async () => {
    const {stdout, exit} = await runCommand(class extends Version {
      static override id = 'version'
    }, ['--json'], config)
    assert.equal(exit, 0)
    const {result} = JSON.parse(stdout)
    assert.equal(result.kcluster, JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version)
    assert.deepEqual(result.kubernetes, {default: 'v1.34.4', supported: 'v1.34.x'})
    assert.deepEqual(result.configApiVersions, ['kcluster.dev/v1alpha1', 'kind.x-k8s.io/v1alpha4'])
    assert.deepEqual(Object.keys(result.components), ['flannel', 'localPathProvisioner', 'crictl'])
    assert.equal(result.node, process.versions.node)
  })

  test('for people: four lines naming the same', async () => {
    const {stdout} = await runCommand(class extends Version {
      static override id = 'version'
    }, [], config)
    const lines = stdout.trim().split('\n')
    assert.equal(lines.length, 4)
    assert.match(lines[0]!, /^kcluster \d+\.\d+\.\d+ \(Node\.js /)
  })
})
