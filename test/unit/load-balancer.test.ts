// The load-balancer addon without Docker: the address pool carved from the
// cluster network and checked against it, the option's text, the manifests
// as rendered, and the image of MetalLB's two programs with the module's
// manifests.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {CATALOG, imageManifestObjects, renderObjects, resolveOptions, templateKinds, templateValues, type AddonValues} from '../../src/addons/index.js'
import {METALLB_MANIFESTS_PATH, podsToRefresh, poolStatusProblem, webhookProblem} from '../../src/addons/load-balancer.js'
import {defaultPool, formatRange, parseRange, poolOf} from '../../src/addons/load-balancer-pool.js'
import {InvalidInputError} from '../../src/errors/index.js'
import {dependencyOrder} from '../../src/images/ensure-image.js'
import {copyLines, moduleFilesPrepare} from '../../src/images/kinds/go-binary.js'
import {imageReference} from '../../src/images/recipe.js'
import {checkClusterOptions, resolveAddonRequests, resolveClusterAddons} from '../../src/lifecycle/addons.js'

const lb = CATALOG.find((a) => a.name === 'load-balancer')!
const mirrors = {mirror: 'http://deb.invalid/debian', security: 'http://deb.invalid/debian-security'}

function values(subnet: string, nodes: string[], options: Record<string, string> = {}): AddonValues {
  const gateway = subnet.replace(/\.0\/\d+$/, '.1')
  return {
    cluster: 'dev',
    network: {name: 'kcluster-dev', subnet, gateway},
    nodes: nodes.map((ipv4, i) => ({name: `dev-node-${i}`, role: i === 0 ? 'control-plane' : 'worker', ipv4})),
    controlPlane: {name: 'dev-node-0', ipv4: nodes[0]!},
    apiServer: {host: nodes[0]!, port: 6443},
    options: {range: '', ...options},
  }
}

describe('the address pool', () => {
  test('a /24 keeps .150-.199: above the first 50 workers, below the port fronts (.200 up)', () => {
    for (const [subnet, range] of [
      ['172.30.0.0/24', '172.30.0.150-172.30.0.199'],
      ['172.30.7.0/24', '172.30.7.150-172.30.7.199'],
      ['10.240.255.0/24', '10.240.255.150-10.240.255.199'],
    ]) {
      assert.equal(formatRange(defaultPool(subnet!)!), range)
      assert.deepEqual(poolOf(values(subnet!, [subnet!.replace(/0\/24$/, '10'), subnet!.replace(/0\/24$/, '100')])), {range})
    }
  })

  test('a larger network keeps its top 64 addresses below broadcast; a smaller one has no default', () => {
    assert.equal(formatRange(defaultPool('10.240.0.0/16')!), '10.240.255.191-10.240.255.254')
    assert.equal(formatRange(defaultPool('10.240.0.0/23')!), '10.240.1.191-10.240.1.254')
    assert.equal(defaultPool('10.240.0.0/25'), undefined)
    assert.match(poolOf(values('10.240.0.0/25', ['10.240.0.10'])).problem!, /smaller than a \/24: give the addresses with the option range/)
  })

  test('a cluster of more than 50 workers reaches into the default pool: named, not silently shared', () => {
    const workers = Array.from({length: 51}, (_, i) => `172.30.0.${100 + i}`)
    assert.equal(poolOf(values('172.30.0.0/24', ['172.30.0.10', ...workers])).problem, '172.30.0.150-172.30.0.199 holds 172.30.0.150 (node dev-node-51): choose addresses no one else has')
  })

  test('an override is FIRST-LAST or a CIDR inside the network, clear of the network, broadcast and gateway addresses and every node', () => {
    const cluster = (range: string) => poolOf(values('172.30.0.0/24', ['172.30.0.10', '172.30.0.100'], {range}))
    assert.deepEqual(cluster('172.30.0.20-172.30.0.29'), {range: '172.30.0.20-172.30.0.29'})
    assert.deepEqual(cluster(' 172.30.0.160/27 '), {range: '172.30.0.160-172.30.0.191'})
    assert.deepEqual(cluster('172.30.0.42-172.30.0.42'), {range: '172.30.0.42-172.30.0.42'})
    assert.equal(cluster('172.30.1.10-172.30.1.20').problem, '172.30.1.10-172.30.1.20 is not inside the cluster network 172.30.0.0/24')
    assert.equal(cluster('172.30.0.250-172.30.1.5').problem, '172.30.0.250-172.30.1.5 is not inside the cluster network 172.30.0.0/24')
    assert.equal(cluster('172.30.0.0/28').problem, '172.30.0.0-172.30.0.15 holds 172.30.0.0 (the network address), 172.30.0.1 (the gateway), 172.30.0.10 (node dev-node-0): choose addresses no one else has')
    assert.equal(cluster('172.30.0.190-172.30.0.210').problem, '172.30.0.190-172.30.0.210 reaches into 172.30.0.200-172.30.0.254, where port fronts (`kcluster port add`) get their addresses: choose addresses below 172.30.0.200')
    assert.match(poolOf(values('10.240.0.0/16', ['10.240.0.10'], {range: '10.240.255.0/24'})).problem!, /10\.240\.255\.255 \(the broadcast address\)/)
    assert.deepEqual(poolOf(values('10.240.0.0/16', ['10.240.0.10'], {range: '10.240.1.0/24'})), {range: '10.240.1.0-10.240.1.255'})
    assert.match(cluster('172.30.0.90-172.30.0.110').problem!, /holds 172\.30\.0\.100 \(node dev-node-1\)/)
  })

  test('the API server load balancer of a cluster of several control planes is kept out too', () => {
    const v = {...values('172.30.0.0/24', ['172.30.0.10', '172.30.0.11'], {range: '172.30.0.2-172.30.0.5'}), apiServer: {host: '172.30.0.2', port: 6443}}
    assert.match(poolOf(v).problem!, /172\.30\.0\.2 \(the API server's load balancer\)/)
  })

  test('the text of the option alone: malformed, reversed and host bits are named before the cluster is asked', () => {
    assert.deepEqual(parseRange(''), {})
    assert.match(parseRange('172.30.0.1').problem!, /not FIRST-LAST of two IPv4 addresses or a CIDR/)
    assert.match(parseRange('172.30.0.300-172.30.0.310').problem!, /not FIRST-LAST/)
    assert.match(parseRange('a-b-c').problem!, /not FIRST-LAST/)
    assert.equal(parseRange('172.30.0.20-172.30.0.10').problem, '172.30.0.20 comes after 172.30.0.10: write the lower address first')
    assert.match(parseRange('172.30.0.161/27').problem!, /not an IPv4 CIDR with no host bits set/)
    assert.match(parseRange('172.30.0.0/33').problem!, /not an IPv4 CIDR/)
    assert.match(parseRange('fd00::/64').problem!, /not an IPv4 CIDR/)
  })

  test('a bad override is refused with its field path: --option at once, or the config file entry', () => {
    assert.throws(() => resolveAddonRequests(['load-balancer'], ['range=172.30.0.20-172.30.0.10']), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError)
      assert.deepEqual(error.problems, [{field: '--option load-balancer.range', message: '172.30.0.20 comes after 172.30.0.10: write the lower address first'}])
      return true
    })
    // Outside the network is known only against the cluster, still before anything is built.
    const fromFile = resolveClusterAddons([{name: 'load-balancer', enabled: true, options: {range: '10.0.0.1-10.0.0.9'}, field: 'addons[1]'}], CATALOG)
    const {network, nodes, controlPlane, apiServer, cluster} = values('172.30.0.0/24', ['172.30.0.10'])
    assert.throws(() => checkClusterOptions(fromFile, {network, nodes, controlPlane, apiServer, cluster}), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError)
      assert.deepEqual(error.problems, [{field: 'addons[1].options.range', message: '10.0.0.1-10.0.0.9 is not inside the cluster network 172.30.0.0/24'}])
      return true
    })
    const fromFlag = resolveAddonRequests(['load-balancer'], ['range=172.30.0.20-172.30.0.29'])
    assert.doesNotThrow(() => checkClusterOptions(fromFlag, {network, nodes, controlPlane, apiServer, cluster}))
  })
})

describe('the manifests', () => {
  const images = {METALLB_IMAGE: 'kcluster/metallb:test'}
  const rendered = (files?: string[], options: Record<string, string> = {}) =>
    renderObjects(lb, templateValues(lb, values('172.30.0.0/24', ['172.30.0.10', '172.30.0.100'], resolveOptions(lb, options, 'options').options as Record<string, string>), images), undefined, files) as any[]

  test('controller and speaker run the image built here, never pulled; the speaker is on the node network with NET_RAW only', () => {
    const docs = rendered()
    const controller = docs.find((d) => d.kind === 'Deployment').spec.template.spec
    const speaker = docs.find((d) => d.kind === 'DaemonSet').spec.template.spec
    for (const [spec, program] of [[controller, 'controller'], [speaker, 'speaker']]) {
      assert.deepEqual([spec.containers[0].image, spec.containers[0].imagePullPolicy, spec.containers[0].command], ['kcluster/metallb:test', 'Never', [`/usr/local/bin/${program}`]])
    }
    assert.equal(speaker.hostNetwork, true)
    assert.deepEqual(speaker.containers[0].securityContext.capabilities, {add: ['NET_RAW'], drop: ['ALL']})
    // No memberlist: no bind address, no secret.
    assert.ok(!speaker.containers[0].env.some((e: any) => e.name.startsWith('METALLB_ML_')))
    assert.ok(speaker.tolerations.some((t: any) => t.key === 'node-role.kubernetes.io/control-plane'))
    // With a worker, kubeadm's exclude label on the control plane is honoured.
    assert.deepEqual(speaker.containers[0].args, ['--port=7472', '--log-level=info'])
  })

  test('a lone control plane announces despite the exclude-from-external-load-balancers label kubeadm gives it', () => {
    const lone = renderObjects(lb, templateValues(lb, values('172.30.0.0/24', ['172.30.0.10']), images)) as any[]
    assert.deepEqual(lone.find((d) => d.kind === 'DaemonSet').spec.template.spec.containers[0].args, ['--port=7472', '--log-level=info', '--ignore-exclude-lb'])
  })

  test('the webhook configuration names the Service the controller serves and the names its certificate rotation patches', () => {
    const docs = rendered()
    const webhook = docs.find((d) => d.kind === 'ValidatingWebhookConfiguration')
    assert.equal(webhook.metadata.name, 'metallb-webhook-configuration')
    const service = docs.find((d) => d.kind === 'Service')
    assert.equal(service.metadata.name, 'metallb-webhook-service')
    for (const hook of webhook.webhooks) assert.deepEqual([hook.clientConfig.service.name, hook.clientConfig.service.namespace, hook.clientConfig.caBundle], ['metallb-webhook-service', 'metallb-system', undefined])
    assert.ok(webhook.webhooks.some((h: any) => h.name === 'ipaddresspoolvalidationwebhook.metallb.io'))
  })

  test('the pool and its layer 2 announcement come after the webhook serves, with the carved range or the one given', () => {
    assert.deepEqual(lb.manifestsWhenReady, ['pool.yaml'])
    const [pool, l2] = rendered(['pool.yaml'])
    assert.deepEqual([pool.kind, pool.spec.addresses], ['IPAddressPool', ['172.30.0.150-172.30.0.199']])
    assert.deepEqual([l2.kind, l2.spec.ipAddressPools], ['L2Advertisement', ['default']])
    assert.deepEqual(rendered(['pool.yaml'], {range: '172.30.0.32/28'})[0].spec.addresses, ['172.30.0.32-172.30.0.47'])
  })

  test('disable knows every kind, the CRDs of the image included, without the image', () => {
    const kinds = templateKinds(lb)
    for (const kind of ['customresourcedefinition.apiextensions.k8s.io', 'ipaddresspool.metallb.io', 'l2advertisement.metallb.io', 'validatingwebhookconfiguration.admissionregistration.k8s.io', 'daemonset.apps', 'namespace']) assert.ok(kinds.includes(kind), kind)
  })

  test('of the manifest an image carries, only the kinds declared are taken, labelled as the addon\'s', () => {
    const text = ['apiVersion: v1\nkind: Namespace\nmetadata: {name: metallb-system}', 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: ipaddresspools.metallb.io}\nspec: {}'].join('\n---\n')
    const objects = imageManifestObjects(lb, text, lb.imageManifests![0]!.kinds, 'test')
    assert.deepEqual(objects.map((o) => [o.kind, o.metadata.name, o.metadata.labels?.['kcluster.dev/addon']]), [['CustomResourceDefinition', 'ipaddresspools.metallb.io', 'load-balancer']])
  })
})

describe('readiness and the image', () => {
  test('the webhook is ready once the controller wrote its CA into every hook; the pool once the controller counted it', () => {
    assert.equal(webhookProblem({webhooks: []}), 'it has no webhooks')
    assert.equal(webhookProblem({webhooks: [{name: 'a', clientConfig: {caBundle: 'x'}}, {name: 'b', clientConfig: {}}]}), 'no CA yet in b')
    assert.equal(webhookProblem({webhooks: [{name: 'a', clientConfig: {caBundle: 'x'}}]}), undefined)
    assert.match(poolStatusProblem({status: {}})!, /not counted/)
    assert.equal(poolStatusProblem({status: {availableIPv4: 49, assignedIPv4: 1}}), undefined)
  })

  test('one image of MetalLB v0.15.2 with both programs and the manifests of the module, cached by input hash', () => {
    const recipe = lb.images!({mirrors}).METALLB_IMAGE!
    assert.match(imageReference(recipe), /^kcluster\/metallb:v0\.15\.2-[0-9a-f]{12}$/)
    assert.deepEqual(dependencyOrder(recipe).map((r) => r.id), ['builder', 'metallb-binaries', 'metallb'])
    assert.equal(imageReference(recipe), imageReference(lb.images!({mirrors}).METALLB_IMAGE!))
    assert.equal(METALLB_MANIFESTS_PATH, lb.imageManifests![0]!.path)
  })

  test('module files: copied out after the addon\'s own preparation, each to its place beside the programs', () => {
    assert.equal(moduleFilesPrepare(undefined, {}), '')
    assert.equal(moduleFilesPrepare('go generate ./...', {}), 'go generate ./...')
    assert.equal(moduleFilesPrepare('true', {"it's/a.yaml": '/usr/local/share/x/a.yaml'}), "true\nmkdir -p /out/files\ncp -- 'it'\\''s/a.yaml' /out/files/0")
    assert.equal(copyLines({controller: './controller', speaker: './speaker'}, {'config/a.yaml': '/usr/local/share/a.yaml'}), 'COPY --from=binaries /controller /usr/local/bin/controller\nCOPY --from=binaries /speaker /usr/local/bin/speaker\nCOPY --from=binaries /files/0 /usr/local/share/a.yaml')
    assert.throws(() => copyLines({}, {'a.yaml': 'share/a.yaml'}), /not an absolute path/)
  })
})

describe('the webhook certificate reaches the controller pod', () => {
  const pod = (name: string, annotation: string | undefined, ready: boolean) => ({
    metadata: {name, annotations: annotation ? {'kcluster.dev/webhook-certificate': annotation} : {}},
    status: {conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}]},
  })
  test('a pod not Ready that was not told of this version of the Secret is annotated; a told or Ready one is left alone', () => {
    const pods = {items: [pod('fresh', undefined, false), pod('told', '42', false), pod('older', '41', false), pod('serving', undefined, true)]}
    assert.deepEqual(podsToRefresh(pods, '42'), ['fresh', 'older'])
    assert.deepEqual(podsToRefresh({items: []}, '42'), [])
  })
})
