import assert from 'node:assert/strict'
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import yaml from 'js-yaml'
import {imageReference, nodeImageRecipe} from '../../src/images/index.js'
import {dependencyOrder} from '../../src/images/ensure-image.js'
import {debianGoBin, debianGoPackage, goDirective} from '../../src/images/go-toolchain.js'
import {packageRoot} from '../../src/images/paths.js'

describe('nodeImageRecipe', () => {
  const mirrors = {mirror: 'http://mirror.example.org/debian', security: 'http://mirror.example.org/debian-security'}

  function copyOfPackage(): string {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-plan-'))
    for (const sub of ['images', 'templates']) cpSync(join(packageRoot(), sub), join(dir, sub), {recursive: true})
    writeFileSync(join(dir, 'package.json'), '{}')
    return dir
  }

  /** Reference of every recipe of the node image, by id. */
  function references(root: string, version = 'v1.34.4', mirror = mirrors): Record<string, string> {
    return Object.fromEntries(dependencyOrder(nodeImageRecipe(version, {root, mirrors: mirror})).map((recipe) => [recipe.id, imageReference(recipe)]))
  }

  function changed(before: Record<string, string>, after: Record<string, string>): string[] {
    return Object.keys(before).filter((id) => before[id] !== after[id]).sort()
  }

  test('is a tree of every image the node needs, tagged by version and input hash', () => {
    const refs = references(copyOfPackage())
    assert.deepEqual(Object.keys(refs).sort(), ['builder', 'component-base', 'coredns', 'cri-tools', 'etcd', 'flannel', 'kube', 'kube-binaries', 'local-path-provisioner', 'network-binaries', 'node', 'node-base', 'node-staged', 'pause', 'storage-binaries', 'storage-helper'])
    assert.match(refs.node!, /^kcluster\/node:v1\.34\.4-[0-9a-f]{12}$/)
    assert.match(refs.builder!, /^kcluster\/builder:[0-9a-f]{12}$/)
    assert.deepEqual(references(copyOfPackage()), refs)
  })

  test('a changed component Dockerfile changes that component and the node only', () => {
    const root = copyOfPackage()
    const before = references(root)
    writeFileSync(join(root, 'images/dockerfiles/etcd.Dockerfile'), '# changed\n', {flag: 'a'})
    assert.deepEqual(changed(before, references(root)), ['etcd', 'node'])
  })

  test('a changed component package list changes the component base and what is built on it', () => {
    const root = copyOfPackage()
    const before = references(root)
    writeFileSync(join(root, 'images/rootfs/component.packages'), 'strace\n', {flag: 'a'})
    assert.deepEqual(changed(before, references(root)), ['component-base', 'flannel', 'kube', 'node'])
  })

  test('a changed node template changes the node layers and the node only', () => {
    const root = copyOfPackage()
    const before = references(root)
    writeFileSync(join(root, 'templates/node/containerd.toml'), '# changed\n', {flag: 'a'})
    assert.deepEqual(changed(before, references(root)), ['node', 'node-staged'])
  })

  test('a changed component source rebuilds the binaries and every image holding them', () => {
    const root = copyOfPackage()
    const before = references(root)
    writeFileSync(join(root, 'images/components/kube/main.go'), '// changed\n', {flag: 'a'})
    assert.deepEqual(changed(before, references(root)), ['coredns', 'etcd', 'kube', 'kube-binaries', 'node', 'node-staged', 'pause'])
  })

  test('another version changes what is built for it, not the root filesystems', () => {
    const root = copyOfPackage()
    assert.deepEqual(changed(references(root), references(root, 'v1.34.3')), ['coredns', 'etcd', 'kube', 'kube-binaries', 'node', 'node-staged', 'pause'])
  })

  test('another Debian mirror changes every root filesystem', () => {
    const root = copyOfPackage()
    const other = {mirror: 'http://other.example.org/debian', security: 'http://other.example.org/debian-security'}
    // Every image stands on a Debian root filesystem, so every one changes.
    const before = references(root)
    assert.deepEqual(changed(before, references(root, 'v1.34.4', other)), Object.keys(before).sort())
  })

  test('the Go versions come from one module', () => {
    const builder = dependencyOrder(nodeImageRecipe('v1.34.4', {root: copyOfPackage(), mirrors})).find((recipe) => recipe.id === 'builder')!
    assert.equal(builder.inputs.values?.extraPackages, debianGoPackage())
    assert.match(builder.inputs.values?.changes ?? '', new RegExp(`PATH=${debianGoBin()}:`))
    assert.equal(goDirective('go1.24.13'), '1.24.0')
    assert.doesNotMatch(readFileSync(join(packageRoot(), 'images/components/build.sh'), 'utf8'), /go 1\.\d+|go1\.\d+/)
    assert.doesNotMatch(readFileSync(join(packageRoot(), 'images/rootfs/builder.packages'), 'utf8'), /golang/)
  })
})
