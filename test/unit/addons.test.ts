// The addon mechanism without Docker: the catalog, manifests as rendered,
// options and names checked, readiness decided, and state read back from
// what the (fake) cluster holds.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import yaml from 'js-yaml'
import * as tar from 'tar'
import {ADDON_LABEL, CATALOG, conditionProblem, findAddons, podProblems, renderObjects, resolveOptions, rolloutProblem, templateKinds, templateValues, type Addon, type AddonValues} from '../../src/addons/index.js'
import {registryHostsToml} from '../../src/addons/registry.js'
import {parseClusterConfig} from '../../src/config/load-config.js'
import {HostPortError, InvalidInputError} from '../../src/errors/index.js'
import {INPUTS_LABEL, debianMirrors} from '../../src/images/index.js'
import {dependencyOrder} from '../../src/images/ensure-image.js'
import {imageReference, inputHash} from '../../src/images/recipe.js'
import {disableAddons, enableAddons, listAddons, parseOptionFlags, resolveAddonRequests, resolveClusterAddons} from '../../src/lifecycle/addons.js'
import {createCluster} from '../../src/lifecycle/create-cluster.js'
import {prepareCreate} from '../../src/lifecycle/prepare-create.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'

const VALUES: AddonValues = {
  cluster: 'dev',
  network: {name: 'kcluster-dev', subnet: '172.30.0.0/24', gateway: '172.30.0.1'},
  nodes: [{name: 'dev-control-plane', role: 'control-plane', ipv4: '172.30.0.10'}],
  controlPlane: {name: 'dev-control-plane', ipv4: '172.30.0.10'},
  apiServer: {host: '172.30.0.10', port: 6443},
  options: {},
}

const addon = (name: string): Addon => CATALOG.find((a) => a.name === name)!
const mirrors = {mirror: 'http://deb.invalid/debian', security: 'http://deb.invalid/debian-security'}

function rendered(a: Addon) {
  const images = Object.fromEntries(Object.keys(a.images?.({mirrors}) ?? {}).map((key) => [key, `kcluster/${key.toLowerCase()}:test`]))
  return renderObjects(a, templateValues(a, {...VALUES, options: resolveOptions(a, {}, 'options').options}, images))
}

describe('the catalog', () => {
  test('lists storage (on by default), metrics-server, ingress, registry, load-balancer and dashboard, each with an upstream version and a description', () => {
    assert.deepEqual(CATALOG.map((a) => [a.name, !!a.defaultEnabled]), [['storage', true], ['metrics-server', false], ['ingress', false], ['registry', false], ['load-balancer', false], ['dashboard', false]])
    for (const a of CATALOG) {
      assert.match(a.name, /^[a-z][a-z0-9-]*$/)
      assert.match(a.upstream.version, /^v?\d+\.\d+\.\d+$/)
      assert.ok(a.description.length > 20 && a.readiness.length > 0, a.name)
    }
  })

  test('every template renders with the cluster values, and every object carries the addon labels', () => {
    for (const a of CATALOG) {
      const objects = rendered(a)
      assert.ok(objects.length > 0, a.name)
      for (const o of objects) assert.deepEqual([o.metadata.labels?.[ADDON_LABEL], o.metadata.labels?.['app.kubernetes.io/managed-by']], [a.name, 'kcluster'], `${a.name} ${o.kind}/${o.metadata.name}`)
    }
  })

  test('the kinds an addon makes are read from its templates, as kubectl names them', () => {
    assert.deepEqual(templateKinds(addon('storage')).sort(), ['clusterrole.rbac.authorization.k8s.io', 'clusterrolebinding.rbac.authorization.k8s.io', 'configmap', 'deployment.apps', 'namespace', 'role.rbac.authorization.k8s.io', 'rolebinding.rbac.authorization.k8s.io', 'serviceaccount', 'storageclass.storage.k8s.io'])
    assert.ok(templateKinds(addon('metrics-server')).includes('apiservice.apiregistration.k8s.io'))
  })

  test('storage: the default class "standard" binds where the pod lands; both images preloaded, never pulled', () => {
    const docs = rendered(addon('storage')) as any[]
    const byKind = (kind: string) => docs.filter((d) => d.kind === kind)
    const [storageClass] = byKind('StorageClass')
    assert.equal(storageClass.metadata.name, 'standard')
    assert.equal(storageClass.metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true')
    assert.equal(storageClass.volumeBindingMode, 'WaitForFirstConsumer')
    const container = byKind('Deployment')[0].spec.template.spec.containers[0]
    assert.deepEqual([container.image, container.imagePullPolicy], ['kcluster/provisioner_image:test', 'Never'])
    assert.deepEqual(container.env.slice(0, 2), [{name: 'KUBERNETES_SERVICE_HOST', value: '172.30.0.10'}, {name: 'KUBERNETES_SERVICE_PORT', value: '6443'}])
    const helperPod = yaml.load(byKind('ConfigMap')[0].data['helperPod.yaml']) as any
    assert.deepEqual([helperPod.spec.containers[0].image, helperPod.spec.containers[0].imagePullPolicy], ['kcluster/helper_image:test', 'Never'])
  })

  test('storage uses the very recipes the node image preloads, so create loads nothing', () => {
    const ids = Object.values(addon('storage').images!({mirrors})).map((r) => r.id)
    assert.deepEqual(ids, ['local-path-provisioner', 'storage-helper'])
  })

  test('metrics-server: scraped kubelets are self-signed (--kubelet-insecure-tls); its image is a Go module build, cached by input hash', () => {
    const docs = rendered(addon('metrics-server')) as any[]
    const args = docs.find((d) => d.kind === 'Deployment').spec.template.spec.containers[0].args
    assert.ok(args.includes('--kubelet-insecure-tls'))
    const recipe = addon('metrics-server').images!({mirrors}).METRICS_SERVER_IMAGE!
    assert.match(imageReference(recipe), /^kcluster\/metrics-server:v0\.8\.0-[0-9a-f]{12}$/)
    assert.deepEqual(dependencyOrder(recipe).map((r) => r.id), ['builder', 'metrics-server-binaries', 'metrics-server'])
  })

  test('registry: KEP-1755 ConfigMap; containerd of each node sends localhost:5001 to the shared container by name', () => {
    const [configMap] = rendered(addon('registry')) as any[]
    assert.deepEqual([configMap.metadata.namespace, configMap.metadata.name], ['kube-public', 'local-registry-hosting'])
    assert.deepEqual(yaml.load(configMap.data['localRegistryHosting.v1']), {host: 'localhost:5001', hostFromContainerRuntime: 'kcluster-registry:5000', hostFromClusterNetwork: 'kcluster-registry:5000'})
    assert.deepEqual(addon('registry').nodeFiles!(VALUES), [{path: '/etc/containerd/certs.d/localhost:5001/hosts.toml', content: registryHostsToml()}])
    assert.match(registryHostsToml(), /^server = "http:\/\/kcluster-registry:5000"$/m)
  })
})

describe('names and options', () => {
  test('an unknown addon lists the valid ones and the nearest (exit 3)', () => {
    assert.throws(() => findAddons(['metrics-sever'], 'addons'), (error: InvalidInputError) => {
      assert.equal(error.exitCode, 3)
      assert.match(error.message, /no addon "metrics-sever"; did you mean metrics-server\? \(addons: storage, metrics-server, ingress, registry, load-balancer, dashboard\)/)
      return true
    })
  })

  test('options: unknown, wrong type and enum are named with their field; defaults fill the rest', () => {
    const a: Addon = {...addon('storage'), options: [{name: 'listenAddress', description: '', type: 'string', default: '127.0.0.1'}, {name: 'replicas', description: '', type: 'integer', default: 1}, {name: 'mode', description: '', type: 'string', default: 'a', enum: ['a', 'b']}]}
    assert.deepEqual(resolveOptions(a, {}, 'x').options, {listenAddress: '127.0.0.1', replicas: 1, mode: 'a'})
    assert.deepEqual(resolveOptions(a, {replicas: '3'}, 'x').options.replicas, 3)
    assert.deepEqual(resolveOptions(a, {replica: 2, replicas: 'many', mode: 'c'}, 'addons[0].options').problems.map((p) => p.field), ['addons[0].options.replica', 'addons[0].options.replicas', 'addons[0].options.mode'])
    assert.match(resolveOptions(a, {replica: 2}, 'x').problems[0]!.message, /did you mean replicas\?/)
    assert.match(resolveOptions(addon('metrics-server'), {foo: 1}, 'x').problems[0]!.message, /it has no options/)
  })

  test('--option takes ADDON.KEY=VALUE, or KEY=VALUE with one addon', () => {
    assert.deepEqual([...parseOptionFlags(['port=80', 'x'], ['ingress']).byAddon], [['ingress', {port: 80}]])
    assert.deepEqual(parseOptionFlags(['port=80'], ['a', 'b']).problems.map((p) => p.field), ['--option'])
    assert.throws(() => resolveAddonRequests(['metrics-server'], ['metrics-server.nope=1']), /no option "nope"/)
  })

  test('a new cluster gets storage unless turned off; the file and --addons add to it, the later mention wins', () => {
    const names = (specs: Parameters<typeof resolveClusterAddons>[0]) => resolveClusterAddons(specs).map((r) => r.addon.name)
    assert.deepEqual(names([]), ['storage'])
    assert.deepEqual(names([{name: 'registry', enabled: true, options: {}, field: 'addons[0]'}, {name: 'storage', enabled: false, options: {}, field: '--addons'}]), ['registry'])
    assert.throws(
      () => resolveClusterAddons([{name: 'metrics', enabled: true, options: {}, field: 'addons[1]'}]),
      (error: InvalidInputError) => error.problems[0]!.field === 'addons[1].name' && /did you mean metrics-server/.test(error.problems[0]!.message),
    )
  })

  test('create checks the addons of the file and of --addons before it touches Docker', () => {
    const config = parseClusterConfig('apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\naddons:\n  - name: metrics-server\n  - name: registry\n    options: {port: 5002}\n')
    assert.deepEqual(config.spec.addons?.map((a) => a.name), ['metrics-server', 'registry'])
    assert.throws(() => prepareCreate({config, kubeconfig: '/tmp/x'}), (error: InvalidInputError) => error.problems.some((p) => p.field === 'addons[1].options.port'))
    assert.throws(() => prepareCreate({addons: ['regsitry'], kubeconfig: '/tmp/x'}), (error: InvalidInputError) => error.problems[0]!.field === '--addons' && /did you mean registry/.test(error.problems[0]!.message))
    assert.deepEqual(prepareCreate({addons: ['-storage', 'metrics-server'], kubeconfig: '/tmp/x'}).spec.addons?.map((a) => [a.name, a.enabled]), [['storage', false], ['metrics-server', true]])
  })

  test('the config file: an addon entry is strict, options are text, numbers or true/false', () => {
    assert.throws(
      () => parseClusterConfig('apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\naddons:\n  - nmae: storage\n  - name: registry\n    options: {port: [1]}\n'),
      (error: InvalidInputError) => {
        assert.deepEqual(error.problems.map((p) => p.field), ['addons[0].nmae', 'addons[0].name', 'addons[1].options.port'])
        return true
      },
    )
  })
})

describe('readiness, decided from what kubectl says', () => {
  test('rollouts, conditions and why pods do not run', () => {
    assert.equal(rolloutProblem({kind: 'Deployment', metadata: {name: 'm', generation: 1}, spec: {replicas: 1}, status: {observedGeneration: 1, availableReplicas: 1, updatedReplicas: 1}}), undefined)
    assert.equal(rolloutProblem({kind: 'Deployment', metadata: {name: 'm'}, spec: {replicas: 2}, status: {availableReplicas: 1, updatedReplicas: 2}}), 'deployment/m: 1 of 2 replicas available')
    assert.equal(rolloutProblem({kind: 'DaemonSet', metadata: {name: 'd'}, status: {desiredNumberScheduled: 0}}), 'daemonset/d: no node runs it yet')
    assert.equal(conditionProblem({kind: 'APIService', metadata: {name: 'v1beta1.metrics.k8s.io'}, status: {conditions: [{type: 'Available', status: 'False', reason: 'MissingEndpoints', message: 'no endpoints'}]}}, 'Available'), 'apiservice/v1beta1.metrics.k8s.io: Available is False (MissingEndpoints: no endpoints)')
    assert.deepEqual(podProblems({items: [{metadata: {namespace: 'kube-system', name: 'm-1'}, status: {containerStatuses: [{name: 'm', state: {waiting: {reason: 'ErrImageNeverPull', message: 'image kcluster/m:x is not present'}}}]}}]}), ['pod kube-system/m-1: container m ErrImageNeverPull: image kcluster/m:x is not present'])
  })
})

describe('state from the cluster (fake provider)', () => {
  async function cluster(): Promise<FakeProvider> {
    const provider = new FakeProvider()
    // The node image says which images it preloads, as a real one does in its labels.
    provider.images.images.set('kcluster/node:v1.34.4-test', {id: 'sha256:node', labels: {'io.kcluster.bundled-images': 'local-path-provisioner=kcluster/local-path-provisioner:test,storage-helper=kcluster/storage-helper:test,flannel=kcluster/flannel:test'}})
    await createCluster({name: 'dev', kubeconfig: join(mkdtempSync(join(tmpdir(), 'kcluster-unit-')), 'config')}, {provider, images: fakeClusterImages()})
    return provider
  }

  test('create enables storage from the preloaded images: listed enabled, nothing built or loaded', async () => {
    const provider = await cluster()
    const listed = await listAddons({name: 'dev'}, {provider})
    assert.deepEqual(listed.addons.map((a) => [a.name, a.state]), [['storage', 'enabled'], ['metrics-server', 'disabled'], ['ingress', 'disabled'], ['registry', 'disabled'], ['load-balancer', 'disabled'], ['dashboard', 'disabled']])
    assert.ok(!provider.log.some((line) => line.includes('images import')), 'nothing loaded')
  })

  test('disable removes exactly the labelled objects; enabling twice is a no-op with a note', async () => {
    const provider = await cluster()
    const notes: string[] = []
    const disabled = await disableAddons({name: 'dev', addons: ['storage']}, {provider})
    assert.deepEqual(disabled.addons, [{name: 'storage', outcome: 'disabled', removed: 9}])
    assert.equal(provider.kube.size, 0)
    assert.ok(provider.log.some((l) => /kubectl --kubeconfig=\S+ delete \S+ -A -l kcluster.dev\/addon=storage/.test(l)))
    assert.deepEqual((await disableAddons({name: 'dev', addons: ['storage']}, {provider, onNote: (n) => notes.push(n)})).addons[0]!.outcome, 'already-disabled')
    await enableAddons({name: 'dev', addons: ['storage']}, {provider})
    assert.equal((await listAddons({name: 'dev'}, {provider})).addons[0]!.state, 'enabled')
    const again = await enableAddons({name: 'dev', addons: ['storage']}, {provider, onNote: (n) => notes.push(n)})
    assert.deepEqual(again.addons.map((a) => a.outcome), ['already-enabled'])
    assert.match(notes.join('\n'), /storage is not enabled in dev; nothing to do\nstorage is already enabled in dev; nothing to do/)
  })

  test('metrics-server: its image is found by its input hash, loaded into the nodes, applied and waited for', async () => {
    const provider = await cluster()
    const recipe = addon('metrics-server').images!({mirrors: debianMirrors()}).METRICS_SERVER_IMAGE!
    // `docker save` of it: a config and no layers is enough for the transfer.
    const config = JSON.stringify({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}})
    const id = `sha256:${createHash('sha256').update(config).digest('hex')}`
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-unit-archive-'))
    writeFileSync(join(dir, `${id.slice(7)}.json`), config)
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{Config: `${id.slice(7)}.json`, RepoTags: [imageReference(recipe)], Layers: []}]))
    const chunks: Buffer[] = []
    for await (const chunk of tar.c({cwd: dir, portable: true}, ['.']) as unknown as AsyncIterable<Buffer>) chunks.push(chunk)
    provider.images.savedArchive = Buffer.concat(chunks)
    provider.images.images.set(imageReference(recipe), {id, labels: {[INPUTS_LABEL]: inputHash(recipe)}, diffIds: [], repoTags: [imageReference(recipe)]})
    const result = await enableAddons({name: 'dev', addons: ['metrics-server']}, {provider})
    assert.deepEqual(result.addons[0]!.images, [{placeholder: 'METRICS_SERVER_IMAGE', reference: imageReference(recipe), built: false, loaded: true}])
    assert.equal(result.addons[0]!.outcome, 'enabled')
    assert.match(result.addons[0]!.message ?? '', /kubectl top nodes/)
    assert.ok(provider.log.some((l) => l.includes('ctr --namespace=k8s.io images import')))
  })

  test('a host port the addon needs that is taken is named before anything is installed', async () => {
    const provider = await cluster()
    provider.takenPorts.set('127.0.0.1:5001/tcp', 'another program')
    const before = provider.kube.size
    await assert.rejects(enableAddons({name: 'dev', addons: ['registry']}, {provider}), (error: HostPortError) => {
      assert.equal(error.exitCode, 3)
      assert.match(error.message, /host port 127\.0\.0\.1:5001\/tcp \(the local registry, for registry\) is already in use by another program/)
      return true
    })
    assert.equal(provider.kube.size, before)
    assert.equal(provider.hostContainers.size, 0)
  })

  test('a failed apply rolls back what was applied and says what failed', async () => {
    const provider = await cluster()
    await disableAddons({name: 'dev', addons: ['storage']}, {provider})
    provider.override = (_node, command) => (command.includes('apply') ? {stdout: '', stderr: 'Error from server (Invalid): StorageClass.storage.k8s.io "standard" is invalid', exitCode: 1} : undefined)
    await assert.rejects(enableAddons({name: 'dev', addons: ['storage']}, {provider}), (error: Error & {details?: any}) => {
      assert.match(error.message, /^enabling storage failed: command failed/)
      assert.match(error.details.output, /StorageClass.storage.k8s.io "standard" is invalid/)
      assert.equal(error.details.rolledBack, true)
      return true
    })
    assert.ok(provider.log.some((l) => l.includes('delete') && l.includes('kcluster.dev/addon=storage')))
  })
})
