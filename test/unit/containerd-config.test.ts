import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {mergeToml, parseToml, stringifyToml, TomlError} from '../../src/config/toml.js'
import {InvalidInputError} from '../../src/errors/index.js'
import {packageRoot} from '../../src/images/paths.js'
import {patchContainerdConfig} from '../../src/lifecycle/steps/configure-containerd.js'

const NODE_CONFIG = readFileSync(join(packageRoot(), 'templates/node/containerd.toml'), 'utf8').replaceAll('{{PAUSE_IMAGE}}', 'example.org/pause:3.10.1')
const CRI = 'io.containerd.grpc.v1.cri'

describe('TOML', () => {
  test('reads tables, quoted and dotted keys, strings, numbers, booleans, arrays and inline tables', () => {
    const doc = parseToml(`
# a comment
version = 2
[plugins."io.containerd.grpc.v1.cri".registry.mirrors."localhost:5001"]
  endpoint = ["http://kind-registry:5000", 'http://other:5000'] # trailing
[a]
b.c = true
d = {e = 1.5, "f g" = "x\\ty"}
list = [
  1,
  2,
]
[[servers]]
name = "one"
[[servers]]
name = "two"
`)
    assert.deepEqual(doc, {
      version: 2,
      plugins: {[CRI]: {registry: {mirrors: {'localhost:5001': {endpoint: ['http://kind-registry:5000', 'http://other:5000']}}}}},
      a: {b: {c: true}, d: {e: 1.5, 'f g': 'x\ty'}, list: [1, 2]},
      servers: [{name: 'one'}, {name: 'two'}],
    })
  })

  test('round-trips kcluster’s containerd configuration', () => {
    const doc = parseToml(NODE_CONFIG)
    assert.deepEqual(parseToml(stringifyToml(doc)), doc)
    assert.equal((doc.plugins as any)[CRI].sandbox_image, 'example.org/pause:3.10.1')
  })

  test('what it cannot read is named with its line', () => {
    assert.throws(() => parseToml('a = 1\nb = 1979-05-27\n'), (error: unknown) => error instanceof TomlError && /^line 2: .*dates are not supported/.test(error.message))
    assert.throws(() => parseToml('a = "open\n'), /line 1: unterminated string/)
    assert.throws(() => parseToml('a = 1\na = 2\n'), /line 2: a is defined twice/)
  })

  test('merging keeps what the patch does not name and replaces what it does', () => {
    assert.deepEqual(mergeToml({a: {b: 1, c: [1]}, d: 'x'}, {a: {c: [2], e: true}}), {a: {b: 1, c: [2], e: true}, d: 'x'})
  })
})

describe('containerd patches', () => {
  test('a merge patch adds the registry configuration and keeps everything kcluster set', () => {
    const patched = parseToml(patchContainerdConfig(NODE_CONFIG, {merge: [`[plugins."${CRI}".registry]\n  config_path = "/etc/containerd/certs.d"\n`], json6902: []})) as any
    assert.equal(patched.plugins[CRI].registry.config_path, '/etc/containerd/certs.d')
    assert.equal(patched.plugins[CRI].sandbox_image, 'example.org/pause:3.10.1')
    assert.equal(patched.plugins[CRI].restrict_oom_score_adj, true)
    assert.equal(patched.plugins[CRI].containerd.runtimes.runc.options.SystemdCgroup, false)
  })

  test('RFC 6902 patches act on the configuration as a document, after the merges', () => {
    const patched = parseToml(
      patchContainerdConfig(NODE_CONFIG, {merge: [], json6902: [`- op: replace\n  path: /plugins/${CRI}/restrict_oom_score_adj\n  value: false\n- op: add\n  path: /plugins/${CRI}/max_container_log_line_size\n  value: 32768\n`]}),
    ) as any
    assert.equal(patched.plugins[CRI].restrict_oom_score_adj, false)
    assert.equal(patched.plugins[CRI].max_container_log_line_size, 32768)
  })

  test('an operation that fails names its patch', () => {
    assert.throws(
      () => patchContainerdConfig(NODE_CONFIG, {merge: [], json6902: ['- {op: remove, path: /plugins/nope}\n']}),
      (error: unknown) => error instanceof InvalidInputError && error.problems[0]!.field === 'containerdConfigPatchesJSON6902[0]',
    )
  })
})
