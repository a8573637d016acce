// A config file read into a spec, merged with flags, and planned as a dry run.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {resolveCreateOptions} from '../../src/config/cluster-options.js'
import {fieldPath} from '../../src/config/field-path.js'
import {hasUsableIpv6} from '../../src/config/host-facts.js'
import {loadClusterConfig, parseClusterConfig} from '../../src/config/load-config.js'
import {editDistance, nearestName} from '../../src/config/nearest-name.js'
import {InvalidInputError} from '../../src/errors/index.js'
import {describeDryRun, dryRunCreate} from '../../src/lifecycle/dry-run.js'
import {prepareCreate} from '../../src/lifecycle/prepare-create.js'
import {prepareFixture} from './config-fixture-files.js'

const HOST = {hasIpv6: false, hasIpvs: true}

describe('names and paths in messages', () => {
  test('edit distance ignores case and counts a swap of neighbours as one', () => {
    assert.equal(editDistance('readonly', 'readOnly'), 0)
    assert.equal(editDistance('extraPortMapings', 'extraPortMappings'), 1)
    assert.equal(editDistance('hsotPort', 'hostPort'), 1)
    assert.equal(nearestName('containerport', ['containerPort', 'hostPort']), 'containerPort')
    assert.equal(nearestName('nOtAReaLFielD', ['containerPort', 'hostPort']), undefined)
    assert.equal(nearestName('ClusterConfig', ['InitConfiguration', 'ClusterConfiguration']), 'ClusterConfiguration', 'a name cut short')
  })

  test('field paths: dots for names, brackets for indexes and for keys that are no plain names', () => {
    assert.equal(fieldPath('', 'nodes'), 'nodes')
    assert.equal(fieldPath(fieldPath('nodes', 1), 'extraPortMappings'), 'nodes[1].extraPortMappings')
    assert.equal(fieldPath('nodes[0].labels', 'tier'), 'nodes[0].labels.tier')
    assert.equal(fieldPath('nodes[0].labels', 'example.com/zone'), 'nodes[0].labels["example.com/zone"]')
  })

  test('IPv6 of the host: loopback and link-local do not count', () => {
    const loopback = '00000000000000000000000000000001 01 80 10 80       lo'
    const linkLocal = 'fe800000000000000000000000000001 02 40 20 80     eth0'
    const ula = 'fd000000000000000000000000000002 02 40 00 80     eth0'
    assert.equal(hasUsableIpv6(''), false)
    assert.equal(hasUsableIpv6([loopback, linkLocal].join('\n')), false)
    assert.equal(hasUsableIpv6([loopback, linkLocal, ula].join('\n')), true)
  })
})

describe('a config file → its spec', () => {
  test('every field of kcluster.dev/v1alpha1, defaulted and normalised', () => {
    const {config} = prepareFixture('valid', 'v1alpha1-every-field.yaml')
    const {spec} = config
    assert.equal(config.apiVersion, 'kcluster.dev/v1alpha1')
    assert.equal(spec.kubernetesVersion, 'v1.34.2', '1.34.2 is read as v1.34.2')
    assert.deepEqual(spec.nodes[0]!.extraPortMappings, [
      {containerPort: 80, hostPort: 8080, listenAddress: '0.0.0.0', protocol: 'tcp'},
      {containerPort: 53, hostPort: 0, listenAddress: '127.0.0.1', protocol: 'udp'},
    ])
    assert.deepEqual(spec.nodes[1]!.extraMounts, [{hostPath: '/home/dev/project/data', containerPath: '/data', readOnly: true, selinuxRelabel: true, propagation: 'HostToContainer'}])
    assert.deepEqual(spec.networking, {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.250.0.0/16', serviceSubnet: '10.112.0.0/16', disableDefaultCNI: false, kubeProxyMode: 'iptables', dnsSearch: ['example.com']})
    assert.deepEqual(spec.featureGates, {InPlacePodVerticalScaling: true})
    assert.deepEqual(spec.kubeadmConfigPatchesJSON6902![0], {group: 'kubeproxy.config.k8s.io', version: 'v1alpha1', kind: 'KubeProxyConfiguration', patch: '[{"op": "replace", "path": "/conntrack/maxPerCore", "value": 0}]'})
  })

  test('kind v1alpha4: a missing role is a control plane; protocols in any case; -1 and unset host ports are chosen at create', () => {
    assert.deepEqual(prepareFixture('valid', 'kind-name-and-roles.yaml').config.spec.nodes.map((n) => n.role), ['control-plane', 'worker', 'worker'])
    const {spec} = prepareFixture('valid', 'kind-port-mappings.yaml').config
    assert.deepEqual(spec.nodes.flatMap((n) => n.extraPortMappings ?? []), [
      {containerPort: 80, hostPort: 80, listenAddress: '0.0.0.0', protocol: 'tcp'},
      {containerPort: 5353, hostPort: 0, listenAddress: '127.0.0.1', protocol: 'udp'},
      {containerPort: 9999, hostPort: 9999, listenAddress: '127.0.0.1', protocol: 'sctp'},
      {containerPort: 30000, hostPort: 0, listenAddress: '127.0.0.1', protocol: 'tcp'},
    ])
  })

  test('kind v1alpha4: no nodes is one control plane; empty keys are unset; a relative host path is taken from the working directory', () => {
    assert.deepEqual(prepareFixture('valid', 'kind-minimal.yaml').config.spec.nodes, [{role: 'control-plane'}])
    const nulls = prepareFixture('valid', 'kind-null-fields.yaml').config.spec
    assert.equal(nulls.name, undefined)
    assert.deepEqual(nulls.nodes, [{role: 'control-plane'}])
    assert.equal(prepareFixture('valid', 'kind-mounts.yaml').config.spec.nodes[0]!.extraMounts![0]!.hostPath, '/home/dev/project/manifests')
    assert.deepEqual(prepareFixture('valid', 'kind-labels.yaml').config.spec.nodes[1]!.labels, {tier: 'frontend', 'example.com/gpu': '', empty: ''})
  })

  test('loadClusterConfig reads a file, or standard input for -', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-config-'))
    writeFileSync(join(dir, 'c.yaml'), 'apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nname: from-file\n')
    assert.equal((await loadClusterConfig(join(dir, 'c.yaml'), {host: HOST})).spec.name, 'from-file')
    const fromStdin = await loadClusterConfig('-', {host: HOST, readStdin: async () => 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: piped\n'})
    assert.deepEqual([fromStdin.source, fromStdin.spec.name, fromStdin.apiVersion], ['stdin', 'piped', 'kind.x-k8s.io/v1alpha4'])
    await assert.rejects(loadClusterConfig(join(dir, 'missing.yaml'), {host: HOST}), (error: unknown) => error instanceof InvalidInputError && error.problems[0]!.field === 'config' && / no such file$/.test(error.problems[0]!.message))
  })
})

describe('flags and the file together', () => {
  const file = parseClusterConfig(
    'apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nname: from-file\nkubernetesVersion: v1.34.1\nimage: me/node:file\nnodes:\n- role: control-plane\n  image: me/node:pinned\n- role: worker\n',
    {cwd: '/tmp', host: HOST},
  )

  test('the file gives the name, version, images and nodes', () => {
    const {spec} = resolveCreateOptions({config: file}, {}, '/home/u')
    assert.deepEqual(spec, {name: 'from-file', kubernetesVersion: 'v1.34.1', image: 'me/node:file', nodes: [{role: 'control-plane', image: 'me/node:pinned'}, {role: 'worker'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}})
  })

  test('flags override: --name, --kubernetes-version, and --image replaces the image of every node', () => {
    const {spec} = resolveCreateOptions({config: file, name: 'from-flag', kubernetesVersion: '1.34.3', image: 'me/node:flag'}, {}, '/home/u')
    assert.equal(spec.name, 'from-flag')
    assert.equal(spec.kubernetesVersion, 'v1.34.3')
    assert.equal(spec.image, 'me/node:flag')
    assert.deepEqual(spec.nodes, [{role: 'control-plane'}, {role: 'worker'}])
  })

  test('a file without a name takes the default; without image or version, the default version', () => {
    const bare = parseClusterConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n', {cwd: '/tmp', host: HOST})
    const {spec} = resolveCreateOptions({config: bare}, {}, '/home/u')
    assert.equal(spec.name, 'kcluster')
    assert.equal(spec.kubernetesVersion, 'v1.34.4')
  })
})

describe('create --dry-run', () => {
  test('an HA cluster: load balancer, roles, addresses, the API server on its pinned port, nothing from Docker', () => {
    const {prepared} = prepareFixture('valid', 'v1alpha1-ha.yaml')
    const result = dryRunCreate(prepared)
    assert.equal(result.dryRun, true)
    assert.deepEqual(result.loadBalancer, {name: 'ha-load-balancer', containerName: 'kcluster.ha.load-balancer', ipv4: '172.30.0.2', ports: [{hostAddress: '127.0.0.1', hostPort: 16443, containerPort: 6443, protocol: 'tcp', field: 'networking.apiServerPort'}]})
    assert.deepEqual(
      result.nodes.map((n) => [n.name, n.role, n.bootstrap, n.ipv4, n.taints.length]),
      [
        ['ha-control-plane', 'control-plane', 'init', '172.30.0.10', 1],
        ['ha-control-plane2', 'control-plane', 'join-control-plane', '172.30.0.11', 1],
        ['ha-control-plane3', 'control-plane', 'join-control-plane', '172.30.0.12', 1],
        ['ha-worker', 'worker', 'join-worker', '172.30.0.100', 0],
        ['ha-worker2', 'worker', 'join-worker', '172.30.0.101', 0],
      ],
    )
    assert.deepEqual(result.apiServer, {hostAddress: '127.0.0.1', hostPort: 16443, server: 'https://127.0.0.1:16443', endpoint: 'ha-load-balancer:6443'})
    assert.equal(result.image, null, 'the default image, whose tag only create works out')
    assert.equal(result.kubernetesVersion, 'v1.34.4')
  })

  test('ports chosen at create are null, said so in the notes; warnings, images and mounts are in the result', () => {
    const {prepared} = prepareFixture('valid', 'v1alpha1-every-field.yaml')
    const result = dryRunCreate(prepared)
    assert.deepEqual(result.apiServer, {hostAddress: '127.0.0.1', hostPort: null, server: null, endpoint: 'every-field-control-plane:6443'})
    assert.deepEqual(result.nodes[0]!.ports.map((p) => p.hostPort), [null, 8080, null])
    assert.equal(result.image, 'registry.example.com/kcluster/node:v1.34.2')
    assert.match(result.nodes[0]!.image!, /@sha256:/)
    assert.equal(result.nodes[1]!.image, 'registry.example.com/kcluster/node:v1.34.2')
    assert.equal(result.nodes[1]!.mounts[0]!.hostPath, '/home/dev/project/data')
    assert.deepEqual(result.warnings, [])
    assert.ok(result.notes.some((n) => /chosen at create/.test(n)))
    const text = describeDryRun(result)
    assert.match(text, /^Cluster every-field \(dry run\): 2 node\(s\)/)
    assert.match(text, /ports {3}127\.0\.0\.1:<chosen at create>->6443\/tcp 0\.0\.0\.0:8080->80\/tcp 127\.0\.0\.1:<chosen at create>->53\/udp/)
    assert.match(text, /mount {3}\/home\/dev\/project\/data -> \/data \(read-only\) \(HostToContainer\)/)
  })

  test('without a config: today’s single node', () => {
    const result = dryRunCreate(prepareCreate({name: 'solo'}, {}, '/home/u'))
    assert.deepEqual(result.nodes.map((n) => n.containerName), ['kcluster.solo.control-plane'])
    assert.deepEqual(result.warnings, [])
  })
})
