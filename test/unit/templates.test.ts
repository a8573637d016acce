import assert from 'node:assert/strict'
import {mkdtempSync, mkdirSync, writeFileSync, cpSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {planNodeImage} from '../../src/images/node-image.js'
import {packageRoot} from '../../src/images/paths.js'

describe('planNodeImage', () => {
  function copyOfPackage(): string {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-plan-'))
    for (const sub of ['images', 'templates']) cpSync(join(packageRoot(), sub), join(dir, sub), {recursive: true})
    writeFileSync(join(dir, 'package.json'), '{}')
    return dir
  }

  test('tags follow the inputs: same inputs same tags, a changed template only changes the node image', () => {
    const root = copyOfPackage()
    const a = planNodeImage('v1.34.4', undefined, root, '/cache')
    assert.deepEqual(planNodeImage('v1.34.4', undefined, root, '/cache'), a)
    assert.match(a.nodeImage, /^kcluster\/node:v1\.34\.4-[0-9a-f]{12}$/)
    writeFileSync(join(root, 'templates/node/containerd.toml'), '# changed\n', {flag: 'a'})
    const b = planNodeImage('v1.34.4', undefined, root, '/cache')
    assert.notEqual(b.nodeImage, a.nodeImage)
    assert.equal(b.kubeImage, a.kubeImage)
    assert.equal(b.builderImage, a.builderImage)
  })

  test('a changed component source rebuilds the binaries; another version too', () => {
    const root = copyOfPackage()
    const a = planNodeImage('v1.34.4', undefined, root, '/cache')
    mkdirSync(join(root, 'images/components/kube'), {recursive: true})
    writeFileSync(join(root, 'images/components/kube/main.go'), '// changed\n', {flag: 'a'})
    const b = planNodeImage('v1.34.4', undefined, root, '/cache')
    assert.notEqual(b.componentsDir, a.componentsDir)
    assert.notEqual(planNodeImage('v1.34.3', undefined, root, '/cache').kubeImage, a.kubeImage)
  })

  test('an explicit image name is used as given', () => {
    assert.equal(planNodeImage('v1.34.4', 'me/node:dev').nodeImage, 'me/node:dev')
  })
})
