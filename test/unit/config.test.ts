import assert from 'node:assert/strict'
import path from 'node:path'
import {describe, test} from 'node:test'
import {
  DEFAULT_CLUSTER_NAME,
  DEFAULT_KUBERNETES_VERSION,
  isPlausibleImageReference,
  resolveCreateOptions,
} from '../../src/config/cluster-options.js'
import {validateClusterName} from '../../src/config/cluster-name.js'
import {formatDuration, parseDuration} from '../../src/config/duration.js'
import {parseClusterConfig} from '../../src/config/load-config.js'
import {InvalidInputError} from '../../src/errors/index.js'
import {resolveKubeconfigPath} from '../../src/kubeconfig/index.js'

describe('validateClusterName', () => {
  const valid = ['kcluster', 'a', 'dev', 'my-cluster', 'a1', '1a', '123', 'a-b-c', 'x'.repeat(40)]
  const invalid: [string, RegExp][] = [
    ['', /empty/],
    ['Dev', /DNS-1123/],
    ['UPPER', /DNS-1123/],
    ['-dev', /DNS-1123/],
    ['dev-', /DNS-1123/],
    ['my_cluster', /DNS-1123/],
    ['my.cluster', /DNS-1123/],
    ['has space', /DNS-1123/],
    ['ünï', /DNS-1123/],
    ['x'.repeat(41), /at most 40 characters/],
  ]
  for (const name of valid) test(`valid: ${JSON.stringify(name)}`, () => assert.equal(validateClusterName(name), undefined))
  for (const [name, rule] of invalid) test(`invalid: ${JSON.stringify(name)}`, () => assert.match(validateClusterName(name) ?? '', rule))
})

describe('parseDuration', () => {
  const table: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1h', 3_600_000],
    ['1h2m3s', 3_723_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['1500us', 2],
    ['2000000ns', 2],
    [' 3s ', 3000],
    ['-5s', -5000],
  ]
  for (const [text, ms] of table) test(`${JSON.stringify(text)} → ${ms}`, () => assert.equal(parseDuration(text), ms))

  const bad = ['', '5', '5x', 'm', 'abc', '1m30', '5 m', '1e3s', 'Infinity', '--5s', '5s5']
  for (const text of bad) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseDuration(text, 'timeout'),
        (error: unknown) => error instanceof InvalidInputError && error.problems[0]?.field === 'timeout' && error.exitCode === 3,
      )
    })
  }

  test('field defaults to wait', () => {
    assert.throws(() => parseDuration('soon'), (error: unknown) => error instanceof InvalidInputError && error.problems[0]?.field === 'wait')
  })
})

describe('formatDuration', () => {
  const table: [number, string][] = [
    [0, '0s'],
    [250, '250ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
    [3_723_000, '1h2m3s'],
    [3_605_000, '1h0m5s'],
    [-90_000, '-1m30s'],
  ]
  for (const [ms, text] of table) test(`${ms} → ${text}`, () => assert.equal(formatDuration(ms), text))

  test('round-trips with parseDuration', () => {
    for (const ms of [0, 250, 1500, 90_000, 300_000, 3_723_000]) assert.equal(parseDuration(formatDuration(ms)), ms)
  })
})

describe('resolveKubeconfigPath', () => {
  const home = '/home/u'
  test('explicit path wins', () => assert.equal(resolveKubeconfigPath('/tmp/k', {KUBECONFIG: '/a'}, home), '/tmp/k'))
  test('first non-empty $KUBECONFIG entry', () => {
    assert.equal(resolveKubeconfigPath(undefined, {KUBECONFIG: ['', '/a', '/b'].join(path.delimiter)}, home), '/a')
  })
  test('~/.kube/config otherwise', () => {
    assert.equal(resolveKubeconfigPath(undefined, {}, home), path.join(home, '.kube', 'config'))
    assert.equal(resolveKubeconfigPath(undefined, {KUBECONFIG: path.delimiter}, home), path.join(home, '.kube', 'config'))
    assert.equal(resolveKubeconfigPath('', {}, home), path.join(home, '.kube', 'config'))
  })
})

describe('resolveCreateOptions', () => {
  const home = '/home/u'

  const networking = {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}

  test('defaults: one control plane of the default version, API on 127.0.0.1 at a port chosen at create', () => {
    assert.deepEqual(resolveCreateOptions({}, {}, home), {
      spec: {name: DEFAULT_CLUSTER_NAME, kubernetesVersion: DEFAULT_KUBERNETES_VERSION, nodes: [{role: 'control-plane'}], networking},
      run: {waitMs: 300_000, retain: false, kubeconfigPath: path.join(home, '.kube', 'config')},
    })
    assert.equal(DEFAULT_CLUSTER_NAME, 'kcluster')
    assert.equal(DEFAULT_KUBERNETES_VERSION, 'v1.34.4')
  })

  test('explicit values', () => {
    assert.deepEqual(
      resolveCreateOptions({name: 'ci', image: 'registry.local:5000/kcluster/node:v1.34.1', kubernetesVersion: 'v1.34.1', wait: '0', retain: true, kubeconfig: '/tmp/kc'}, {}, home),
      {
        spec: {name: 'ci', image: 'registry.local:5000/kcluster/node:v1.34.1', kubernetesVersion: 'v1.34.1', nodes: [{role: 'control-plane'}], networking},
        run: {waitMs: 0, retain: true, kubeconfigPath: '/tmp/kc'},
      },
    )
  })

  test('--profile: default records nothing, light is recorded; another value is refused by name', () => {
    assert.equal(resolveCreateOptions({}, {}, home).spec.profile, undefined)
    assert.equal(resolveCreateOptions({profile: 'default'}, {}, home).spec.profile, undefined)
    assert.equal(resolveCreateOptions({profile: 'light'}, {}, home).spec.profile, 'light')
    assert.throws(
      () => resolveCreateOptions({profile: 'tiny'}, {}, home),
      (error: unknown) => error instanceof InvalidInputError && error.problems[0]!.field === 'profile' && /must be default or light \(got "tiny"\)/.test(error.problems[0]!.message),
    )
  })

  test('--profile light over a file of three control planes names each extra one; over the file\'s light, --profile default wins', () => {
    const host = {hasIpv6: false, hasIpvs: true}
    const three = parseClusterConfig('apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nnodes: [{role: control-plane}, {role: worker}, {role: control-plane}, {role: control-plane}]\n', {host})
    assert.throws(
      () => resolveCreateOptions({profile: 'light', config: three}, {}, home),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        JSON.stringify(error.problems.map((p) => p.field)) === JSON.stringify(['nodes[2].role', 'nodes[3].role']) &&
        error.problems[0]!.message.startsWith('--profile light runs one control plane'),
    )
    const light = parseClusterConfig('apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nprofile: light\nnodes: [{role: control-plane}, {role: worker}]\n', {host})
    assert.equal(resolveCreateOptions({config: light}, {}, home).spec.profile, 'light')
    assert.equal(resolveCreateOptions({config: light, profile: 'default'}, {}, home).spec.profile, undefined)
  })

  test('an image without a version leaves the version to the image', () => {
    assert.equal(resolveCreateOptions({image: 'me/node:dev'}, {}, home).spec.kubernetesVersion, undefined)
  })

  test('kubeconfig from $KUBECONFIG', () => {
    assert.equal(resolveCreateOptions({}, {KUBECONFIG: '/x/config'}, home).run.kubeconfigPath, '/x/config')
  })

  test('accepts a version without the v', () => {
    assert.equal(resolveCreateOptions({kubernetesVersion: '1.34.2'}, {}, home).spec.kubernetesVersion, 'v1.34.2')
  })

  test('reports all problems at once', () => {
    assert.throws(
      () => resolveCreateOptions({name: 'Bad_Name', wait: 'forever', kubernetesVersion: 'v1.33.0', image: 'Not A Ref!'}, {}, home),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError)
        assert.deepEqual(
          error.problems.map((p) => p.field),
          ['name', 'kubernetesVersion', 'wait', 'image'],
        )
        assert.match(error.message, /^invalid configuration: name: .*DNS-1123.*; kubernetesVersion: .*only Kubernetes 1\.34 is supported.*; wait: .*; image: /)
        assert.equal(error.exitCode, 3)
        return true
      },
    )
  })

  test('negative wait is rejected', () => {
    assert.throws(
      () => resolveCreateOptions({wait: '-1s'}, {}, home),
      (error: unknown) => error instanceof InvalidInputError && error.problems.length === 1 && /0 or more/.test(error.problems[0]!.message),
    )
  })

  test('41-character name is rejected', () => {
    assert.throws(() => resolveCreateOptions({name: 'a'.repeat(41)}, {}, home), /at most 40/)
  })
})

describe('isPlausibleImageReference', () => {
  const good = [
    'ubuntu',
    'kcluster/node:v1.34.4',
    'docker.io/library/nginx:1.27',
    'localhost:5000/node',
    'registry.example.com/team/node:v1.34.4-dev.1',
    `kcluster/node@sha256:${'a'.repeat(64)}`,
    `kcluster/node:v1@sha256:${'0'.repeat(64)}`,
  ]
  const bad = ['', 'Node', 'kcluster/Node:v1', 'a b', 'node:', ':tag', 'node:bad tag', 'node@sha256:xyz', '/node', 'node/']
  for (const ref of good) test(`accepts ${ref}`, () => assert.ok(isPlausibleImageReference(ref)))
  for (const ref of bad) test(`rejects ${JSON.stringify(ref)}`, () => assert.ok(!isPlausibleImageReference(ref)))
})
