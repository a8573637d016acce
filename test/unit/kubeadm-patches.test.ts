import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {defaultNetworking, type ClusterSpec, type Json6902PatchSpec} from '../../src/config/cluster-spec.js'
import {parseJson6902} from '../../src/config/patch-syntax.js'
import {InvalidInputError} from '../../src/errors/index.js'
import {checkKubeadmPatches} from '../../src/lifecycle/kubeadm/check-patches.js'
import {kubeadmDocuments, type KubeadmDocument} from '../../src/lifecycle/kubeadm/config.js'
import {applyJson6902} from '../../src/lifecycle/kubeadm/json-patch.js'
import {applyKubeadmPatches} from '../../src/lifecycle/kubeadm/patches.js'
import {componentServingConfig, type ServedComponent} from '../../src/lifecycle/kubeadm/serving-certificates.js'
import {planCluster} from '../../src/plan/plan-cluster.js'

const secrets = {token: 'abcdef.0123456789abcdef', certificateKey: 'ab'.repeat(32)}

function cluster(): KubeadmDocument {
  return {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    networking: {podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'},
    apiServer: {certSANs: ['localhost', '127.0.0.1'], extraArgs: [{name: 'v', value: '2'}, {name: 'audit-log-maxage', value: '7'}]},
  }
}

function kubelet(): KubeadmDocument {
  return {apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', evictionHard: {'nodefs.available': '0%'}, clusterDNS: ['10.96.0.10']}
}

const merge = (...patches: string[]) => ({merge: patches.map((patch, i) => ({field: `kubeadmConfigPatches[${i}]`, patch})), json6902: []})
const json6902 = (...patches: Partial<Json6902PatchSpec>[]) => ({
  merge: [],
  json6902: patches.map((p, i) => ({field: `kubeadmConfigPatchesJSON6902[${i}]`, patch: {group: '', version: '', kind: 'ClusterConfiguration', patch: '[]', ...p}})),
})

describe('merge patches', () => {
  test('mappings merge recursively, null deletes, lists are replaced, kind and apiVersion of the patch are not copied', () => {
    const {documents} = applyKubeadmPatches([cluster(), kubelet()], merge('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionHard: {imagefs.available: "1%", nodefs.available: null}\nclusterDNS: [10.0.0.10]\nmaxPods: 20'))
    assert.deepEqual(documents[1], {apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', evictionHard: {'imagefs.available': '1%'}, clusterDNS: ['10.0.0.10'], maxPods: 20})
    assert.deepEqual(documents[0], cluster(), 'another kind is left alone')
  })

  test('v1beta4 argument lists merge by name: a value replaces, a new name appends, null removes', () => {
    const {documents} = applyKubeadmPatches([cluster()], merge('kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\napiServer:\n  extraArgs:\n    - {name: v, value: "4"}\n    - {name: audit-log-maxage, value: null}\n    - {name: profiling, value: "false"}'))
    assert.deepEqual((documents[0]!.apiServer as any).extraArgs, [{name: 'v', value: '4'}, {name: 'profiling', value: 'false'}])
  })

  test('a v1beta3 patch (arguments as a mapping) reaches the v1beta4 document, translated; numbers become strings', () => {
    const {documents} = applyKubeadmPatches([cluster()], merge('kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta3\napiServer:\n  extraArgs:\n    v: 4\n    audit-log-maxage: null\ncontrollerManager:\n  extraArgs:\n    bind-address: 0.0.0.0'))
    assert.equal(documents[0]!.apiVersion, 'kubeadm.k8s.io/v1beta4')
    assert.deepEqual((documents[0]!.apiServer as any).extraArgs, [{name: 'v', value: '4'}])
    assert.deepEqual(documents[0]!.controllerManager, {extraArgs: [{name: 'bind-address', value: '0.0.0.0'}]})
  })

  test('certSANs are added to, never replaced: the names kcluster needs stay', () => {
    const {documents} = applyKubeadmPatches([cluster()], merge('kind: ClusterConfiguration\napiServer:\n  certSANs: [127.0.0.1, my-host]'))
    assert.deepEqual((documents[0]!.apiServer as any).certSANs, ['localhost', '127.0.0.1', 'my-host'])
  })

  test('matching: kind always; the group and version where named; kubeadm v1beta2 and v1beta3 match v1beta4', () => {
    const matches = (patch: string) => applyKubeadmPatches([cluster(), kubelet()], merge(patch)).unmatched.length === 0
    assert.ok(matches('kind: ClusterConfiguration'))
    assert.ok(matches('kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta2'))
    assert.ok(matches('kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/'))
    assert.ok(!matches('kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta1'))
    assert.ok(!matches('kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1'))
    assert.ok(!matches('kind: ClusterConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1'))
    assert.ok(!matches('kind: JoinConfiguration'))
  })

  test('one patch of several documents (---): each matched alone; the unmatched are told by number', () => {
    const result = applyKubeadmPatches([cluster()], merge('kind: ClusterConfiguration\nclusterName: x\n---\nkind: JoinConfiguration\nnodeRegistration: {}'))
    assert.equal(result.documents[0]!.clusterName, 'x')
    assert.deepEqual(result.unmatched, [{field: 'kubeadmConfigPatches[0]', kind: 'JoinConfiguration', document: 2}])
  })

  test('the documents given are never changed', () => {
    const original = [cluster()]
    applyKubeadmPatches(original, merge('kind: ClusterConfiguration\nnetworking: null'))
    assert.deepEqual(original, [cluster()])
  })

  test('a malformed argument list is an error naming the patch', () => {
    assert.throws(
      () => applyKubeadmPatches([cluster()], merge('kind: ClusterConfiguration\napiServer:\n  extraArgs: [{value: "4"}]')),
      (error: unknown) => error instanceof InvalidInputError && error.problems[0]!.field === 'kubeadmConfigPatches[0]' && /every entry needs a name/.test(error.problems[0]!.message),
    )
  })
})

describe('RFC 6902 patches', () => {
  const apply = (document: Record<string, unknown>, operations: string) => {
    const parsed = parseJson6902(operations)
    assert.ok('ok' in parsed, JSON.stringify(parsed))
    applyJson6902(document, parsed.ok)
    return document
  }

  test('add, remove, replace, move, copy, test; /- appends; ~1 and ~0 escape / and ~', () => {
    const document = {a: {'b/c': 1, 'd~e': 2}, list: [1, 2]} as Record<string, unknown>
    apply(
      document,
      `- {op: add, path: /list/-, value: 3}
- {op: add, path: /list/0, value: 0}
- {op: remove, path: /list/1}
- {op: replace, path: /a/b~1c, value: 10}
- {op: move, from: /a/d~0e, path: /moved}
- {op: copy, from: /list, path: /copy}
- {op: test, path: /copy, value: [0, 2, 3]}
- {op: add, path: /a/new, value: {x: null}}`,
    )
    assert.deepEqual(document, {a: {'b/c': 10, new: {x: null}}, list: [0, 2, 3], moved: 2, copy: [0, 2, 3]})
  })

  test('operations fail with the reason: missing paths, bad indexes, failed tests, moves into themselves, the whole document', () => {
    const failing: [string, RegExp][] = [
      ['[{"op": "remove", "path": "/nope"}]', /\/nope does not exist/],
      ['[{"op": "replace", "path": "/a/zz", "value": 1}]', /\/a\/zz does not exist/],
      ['[{"op": "add", "path": "/list/9", "value": 1}]', /index 9 is past the end of a list of 2/],
      ['[{"op": "add", "path": "/list/01", "value": 1}]', /"01" is not an index of a list/],
      ['[{"op": "test", "path": "/list", "value": [2, 1]}]', /test failed: \/list is \[1,2\], not \[2,1\]/],
      ['[{"op": "move", "from": "/a", "path": "/a/b"}]', /cannot move \/a into itself/],
      ['[{"op": "add", "path": "/missing/child", "value": 1}]', /\/missing does not exist/],
      ['[{"op": "replace", "path": "", "value": {}}]', /whole document/],
    ]
    for (const [operations, reason] of failing) assert.throws(() => apply({a: {}, list: [1, 2]}, operations), reason, operations)
  })

  test('kubeadm arguments named in a v1beta3 path act on the v1beta4 list', () => {
    const {documents} = applyKubeadmPatches(
      [cluster()],
      json6902({
        group: 'kubeadm.k8s.io',
        version: 'v1beta3',
        patch: `- {op: add, path: /apiServer/extraArgs/v, value: 6}
- {op: add, path: /apiServer/extraArgs/profiling, value: "false"}
- {op: remove, path: /apiServer/extraArgs/audit-log-maxage}
- {op: test, path: /apiServer/extraArgs/profiling, value: "false"}
- {op: add, path: /scheduler/extraArgs/bind-address, value: 0.0.0.0}
- {op: add, path: /apiServer/certSANs/-, value: my-host}`,
      }),
    )
    assert.deepEqual((documents[0]!.apiServer as any).extraArgs, [{name: 'v', value: '6'}, {name: 'profiling', value: 'false'}])
    assert.deepEqual((documents[0]!.apiServer as any).certSANs, ['localhost', '127.0.0.1', 'my-host'])
    assert.deepEqual(documents[0]!.scheduler, {extraArgs: [{name: 'bind-address', value: '0.0.0.0'}]}, 'kind always has the argument maps; kcluster makes the way')
  })

  test('an argument list given whole as a mapping becomes the list', () => {
    const {documents} = applyKubeadmPatches([cluster()], json6902({patch: '[{"op": "add", "path": "/controllerManager", "value": {}}, {"op": "add", "path": "/controllerManager/extraArgs", "value": {"v": "3"}}]'}))
    assert.deepEqual(documents[0]!.controllerManager, {extraArgs: [{name: 'v', value: '3'}]})
  })

  test('a failing operation names the patch field, the operation and why; every failing patch is told', () => {
    assert.throws(
      () => applyKubeadmPatches([cluster()], json6902({patch: '[{"op": "remove", "path": "/etcd"}]'}, {patch: '[{"op": "test", "path": "/networking/podSubnet", "value": "10.0.0.0/8"}]'})),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError)
        assert.deepEqual(error.problems, [
          {field: 'kubeadmConfigPatchesJSON6902[0].patch', message: 'operation 0 (remove /etcd): /etcd does not exist'},
          {field: 'kubeadmConfigPatchesJSON6902[1].patch', message: 'operation 0 (test /networking/podSubnet): test failed: /networking/podSubnet is "10.244.0.0/16", not "10.0.0.0/8"'},
        ])
        return true
      },
    )
  })
})

describe('kubeadm documents of a plan', () => {
  function planOf(overrides: Partial<ClusterSpec>, roles: ('control-plane' | 'worker')[] = ['control-plane', 'worker']) {
    return planCluster({name: 'dev', nodes: roles.map((role) => ({role})), networking: defaultNetworking(), ...overrides}, {subnetsInUse: [], freeApiServerPort: 40123})
  }
  const byKind = (docs: KubeadmDocument[]) => Object.fromEntries(docs.map((d) => [d.kind, d as any]))

  test('feature gates reach every component, runtime config the API server, sorted', () => {
    const plan = planOf({featureGates: {Zeta: false, Alpha: true}, runtimeConfig: {'batch/v2alpha1': 'true', 'api/alpha': 'false'}})
    const docs = byKind(kubeadmDocuments(plan, plan.nodes[0]!, 'v1.34.4', secrets))
    assert.deepEqual(docs.ClusterConfiguration.apiServer.extraArgs, [{name: 'feature-gates', value: 'Alpha=true,Zeta=false'}, {name: 'runtime-config', value: 'api/alpha=false,batch/v2alpha1=true'}])
    const alone = {name: 'leader-elect', value: 'false'}
    const burst = [{name: 'kube-api-qps', value: '100'}, {name: 'kube-api-burst', value: '200'}]
    const gc = [{name: 'GOGC', value: '50'}]
    const serving = (component: string) => {
      const {args, volume} = componentServingConfig(component as ServedComponent)
      return {args, extraVolumes: [volume]}
    }
    const cm = serving('kube-controller-manager')
    const sched = serving('kube-scheduler')
    assert.deepEqual(docs.ClusterConfiguration.controllerManager, {extraArgs: [{name: 'feature-gates', value: 'Alpha=true,Zeta=false'}, alone, ...burst, ...cm.args], extraVolumes: cm.extraVolumes, extraEnvs: gc})
    assert.deepEqual(docs.ClusterConfiguration.scheduler, {extraArgs: [{name: 'feature-gates', value: 'Alpha=true,Zeta=false'}, alone, ...sched.args], extraVolumes: sched.extraVolumes, extraEnvs: [...gc, {name: 'KCLUSTER_START_AFTER_READY_API_SERVER', value: 'true'}]})
    assert.deepEqual(docs.KubeletConfiguration.featureGates, {Zeta: false, Alpha: true})
    assert.deepEqual(docs.KubeProxyConfiguration.featureGates, {Zeta: false, Alpha: true})
    const plain = byKind(kubeadmDocuments(planOf({}), planOf({}).nodes[0]!, 'v1.34.4', secrets))
    assert.equal(plain.ClusterConfiguration.apiServer.extraArgs, undefined)
    assert.deepEqual(plain.ClusterConfiguration.apiServer.extraEnvs, gc, 'the API server collects as soon as the rest')
    assert.deepEqual(plain.ClusterConfiguration.controllerManager, {extraArgs: [{name: 'leader-elect', value: 'false'}, ...burst, ...cm.args], extraVolumes: cm.extraVolumes, extraEnvs: gc}, 'one control plane: nobody to elect')
    assert.deepEqual(plain.ClusterConfiguration.etcd.local.extraEnvs, gc)
    assert.equal(plain.KubeletConfiguration.featureGates, undefined)
    const ha = planOf({}, ['control-plane', 'control-plane', 'control-plane'])
    const haDocs = byKind(kubeadmDocuments(ha, ha.nodes[0]!, 'v1.34.4', secrets))
    assert.deepEqual(haDocs.ClusterConfiguration.controllerManager, {extraArgs: [...burst, ...cm.args], extraVolumes: cm.extraVolumes, extraEnvs: gc}, 'several control planes elect a leader')
    assert.deepEqual(haDocs.ClusterConfiguration.scheduler, {extraArgs: sched.args, extraVolumes: sched.extraVolumes, extraEnvs: [...gc, {name: 'KCLUSTER_START_AFTER_READY_API_SERVER', value: 'true'}]})
  })

  test('kube-proxy mode: as asked; none skips kubeadm’s kube-proxy addon and leaves its configuration out', () => {
    const nft = planOf({networking: {...defaultNetworking(), kubeProxyMode: 'nftables'}})
    assert.equal(byKind(kubeadmDocuments(nft, nft.nodes[0]!, 'v1.34.4', secrets)).KubeProxyConfiguration.mode, 'nftables')
    const none = planOf({networking: {...defaultNetworking(), kubeProxyMode: 'none'}})
    const docs = byKind(kubeadmDocuments(none, none.nodes[0]!, 'v1.34.4', secrets))
    assert.deepEqual(Object.keys(docs).sort(), ['ClusterConfiguration', 'InitConfiguration', 'KubeletConfiguration'])
    assert.deepEqual(docs.InitConfiguration.skipPhases, ['addon/kube-proxy'])
  })

  test('the cluster’s patches apply first, then the node’s own', () => {
    const plan = planOf({
      kubeadmConfigPatches: ['kind: JoinConfiguration\nnodeRegistration: {kubeletExtraArgs: {v: "2"}}'],
      nodes: [{role: 'control-plane'}, {role: 'worker', kubeadmConfigPatches: ['kind: JoinConfiguration\nnodeRegistration: {kubeletExtraArgs: {v: "5"}}']}],
    })
    const join = byKind(kubeadmDocuments(plan, plan.nodes[1]!, 'v1.34.4', secrets)).JoinConfiguration
    assert.deepEqual(join.nodeRegistration.kubeletExtraArgs, [{name: 'node-ip', value: '172.30.0.100'}, {name: 'v', value: '5'}])
  })

  test('the check before create: failing operations are problems; patches that reach nothing are warnings', () => {
    const failing = planOf({kubeadmConfigPatchesJSON6902: [{group: 'kubeadm.k8s.io', version: '', kind: 'ClusterConfiguration', patch: '[{"op": "remove", "path": "/dns"}]'}]})
    assert.deepEqual(checkKubeadmPatches(failing, 'v1.34.4').problems, [{field: 'kubeadmConfigPatchesJSON6902[0].patch', message: 'operation 0 (remove /dns): /dns does not exist'}])
    const proxyless = planOf({networking: {...defaultNetworking(), kubeProxyMode: 'none'}, kubeadmConfigPatches: ['kind: KubeProxyConfiguration\nmode: ipvs']})
    assert.deepEqual(checkKubeadmPatches(proxyless, 'v1.34.4'), {
      problems: [],
      warnings: [{field: 'kubeadmConfigPatches[0]', message: 'this KubeProxyConfiguration patch changes nothing in this cluster: kube-proxy is left out (networking.kubeProxyMode: none)'}],
    })
    // kcluster's own kubeadm patches (CoreDNS) live in InitConfiguration's patches directory: moving it is warned.
    const elsewhere = planOf({kubeadmConfigPatches: ['kind: InitConfiguration\npatches:\n  directory: /root/patches']})
    const [warning] = checkKubeadmPatches(elsewhere, 'v1.34.4').warnings
    assert.equal(warning?.field, 'kubeadmConfigPatches[0]')
    assert.match(warning?.message ?? '', /InitConfiguration \/patches\/directory from "\/etc\/kcluster\/kubeadm-patches" to "\/root\/patches".*CoreDNS/)
  })
})
