// The proxy of create's environment: read in either case, planned purely with
// NO_PROXY extended by the cluster's own addresses, shown by --dry-run, and put
// into every node container's environment with a drop-in for systemd services.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {proxySettingsFrom, redactProxyUrl} from '../../src/config/proxy.js'
import {createClusterFromSpec} from '../../src/lifecycle/create-cluster.js'
import {describeDryRun, dryRunCreate} from '../../src/lifecycle/dry-run.js'
import {nodeGcFiles} from '../../src/lifecycle/node-gc.js'
import {PROXY_DROP_IN_PATH} from '../../src/lifecycle/node-proxy.js'
import {prepareCreate} from '../../src/lifecycle/prepare-create.js'
import {planCluster} from '../../src/plan/plan-cluster.js'
import {SequentialStepRunner} from '../../src/progress/step.js'
import {nodeContainerSpec} from '../../src/provider/docker/container-spec.js'
import {tarOfFiles} from '../../src/provider/docker/tar-entry.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'

const scratchKubeconfig = () => join(mkdtempSync(join(tmpdir(), 'kcluster-unit-')), 'config')
const networking = {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}

describe('proxy settings from the environment', () => {
  test('either case, upper case first, empty values ignored; NO_PROXY alone is no proxy', () => {
    assert.equal(proxySettingsFrom({}), undefined)
    assert.equal(proxySettingsFrom({NO_PROXY: 'a,b', HTTP_PROXY: ''}), undefined)
    assert.deepEqual(proxySettingsFrom({https_proxy: 'http://p:3128', no_proxy: '.corp'}), {httpsProxy: 'http://p:3128', noProxy: '.corp'})
    assert.deepEqual(proxySettingsFrom({HTTP_PROXY: 'http://UP:1', http_proxy: 'http://low:1', HTTPS_PROXY: ' ', https_proxy: 'http://low:2'}), {httpProxy: 'http://UP:1', httpsProxy: 'http://low:2'})
  })

  test('passwords are hidden for display', () => {
    assert.equal(redactProxyUrl('http://user:p%40ss@proxy:3128'), 'http://user:***@proxy:3128')
    assert.equal(redactProxyUrl('http://user@proxy:3128'), 'http://user@proxy:3128')
    assert.equal(redactProxyUrl('http://proxy:3128/'), 'http://proxy:3128/')
  })
})

describe('the planned proxy', () => {
  test('NO_PROXY: the user\'s entries first, then loopback, cluster domains, every subnet, node and load balancer names and addresses; each variable in both cases', () => {
    const plan = planCluster(
      {name: 'dev', nodes: [{role: 'control-plane'}, {role: 'control-plane'}, {role: 'worker'}], networking},
      {subnetsInUse: [], proxy: {httpsProxy: 'http://p:3128', noProxy: ' .corp , localhost,'}},
    )
    assert.deepEqual(plan.proxy?.noProxy, [
      '.corp', 'localhost', '127.0.0.1', '.svc', '.cluster.local', '172.30.0.0/24', '10.244.0.0/16', '10.96.0.0/16',
      'dev-load-balancer', '172.30.0.2', 'dev-control-plane', '172.30.0.10', 'dev-control-plane2', '172.30.0.11', 'dev-worker', '172.30.0.100',
    ])
    const noProxy = plan.proxy!.noProxy.join(',')
    assert.deepEqual(plan.proxy?.env, {HTTPS_PROXY: 'http://p:3128', https_proxy: 'http://p:3128', NO_PROXY: noProxy, no_proxy: noProxy})
    assert.equal(plan.proxy?.httpProxy, undefined)
  })

  test('no proxy in the environment: nothing in the plan', () => {
    assert.equal(planCluster({name: 'dev', nodes: [{role: 'control-plane'}], networking}, {subnetsInUse: []}).proxy, undefined)
  })

  test('--dry-run shows it, password hidden', () => {
    const result = dryRunCreate(prepareCreate({name: 'dry'}, {HTTP_PROXY: 'http://u:secret@p:3128'}, '/home/u'))
    assert.deepEqual(result.proxy, {httpProxy: 'http://u:***@p:3128', httpsProxy: null, noProxy: ['localhost', '127.0.0.1', '.svc', '.cluster.local', '172.30.0.0/24', '10.244.0.0/16', '10.96.0.0/16', 'dry-control-plane', '172.30.0.10']})
    const text = describeDryRun(result)
    assert.match(text, /proxy {7}HTTP_PROXY=http:\/\/u:\*\*\*@p:3128\n {14}NO_PROXY=localhost,127\.0\.0\.1,\.svc,/)
    assert.doesNotMatch(text, /secret/)
    assert.equal(dryRunCreate(prepareCreate({name: 'dry'}, {}, '/home/u')).proxy, null)
  })
})

describe('nodes get the proxy', () => {
  test('create puts the variables into every node container and a PassEnvironment drop-in for every service', async () => {
    const provider = new FakeProvider()
    await createClusterFromSpec(
      {name: 'dev', nodes: [{role: 'control-plane'}, {role: 'worker'}], networking},
      {waitMs: 0, retain: false, kubeconfigPath: scratchKubeconfig(), proxy: {httpProxy: 'http://p:3128'}},
      {provider, images: fakeClusterImages(), runner: new SequentialStepRunner()},
    )
    for (const node of provider.nodes) {
      assert.equal(node.spec.env?.HTTP_PROXY, 'http://p:3128')
      assert.equal(node.spec.env?.http_proxy, 'http://p:3128')
      assert.match(node.spec.env?.NO_PROXY ?? '', /dev-worker,172\.30\.0\.100$/)
      const dropIn = node.spec.files?.filter((f) => f.path === PROXY_DROP_IN_PATH) ?? []
      assert.equal(dropIn.length, 1)
      assert.match(dropIn[0]!.content, /^\[Service\]\nPassEnvironment=HTTP_PROXY http_proxy NO_PROXY no_proxy$/m)
    }
  })

  test('without a proxy the node containers are as before', async () => {
    const provider = new FakeProvider()
    await createClusterFromSpec({name: 'dev', nodes: [{role: 'control-plane'}], networking}, {waitMs: 0, retain: false, kubeconfigPath: scratchKubeconfig()}, {provider, images: fakeClusterImages(), runner: new SequentialStepRunner()})
    assert.equal(provider.nodes[0]!.spec.env, undefined)
    const paths = provider.nodes[0]!.spec.files?.map((f) => f.path) ?? []
    assert.ok(!paths.includes(PROXY_DROP_IN_PATH), 'no proxy drop-in')
    assert.deepEqual(paths.filter((p) => p.endsWith('-gc.conf')), nodeGcFiles().map((f) => f.path), "the services' garbage collection drop-ins")
  })

  test('the container spec carries the environment after container=docker', () => {
    const spec = nodeContainerSpec(
      {cluster: 'dev', name: 'dev-control-plane', containerName: 'kcluster.dev.control-plane', role: 'control-plane', image: 'img', network: 'kcluster-dev', ipv4: '172.30.0.10', securityMode: 'privileged', ports: [], mounts: [], env: {HTTP_PROXY: 'http://p:3128', http_proxy: 'http://p:3128'}},
      {hasKmsg: false, hasModules: false},
    )
    assert.deepEqual(spec.Env, ['container=docker', 'HTTP_PROXY=http://p:3128', 'http_proxy=http://p:3128'])
  })

  test('files go in as one archive with their folders in the names', () => {
    const archive = tarOfFiles([{name: 'etc/systemd/system/service.d/50-kcluster-proxy.conf', content: Buffer.from('x\n')}])
    assert.equal(archive.subarray(0, 52).toString('utf8'), 'etc/systemd/system/service.d/50-kcluster-proxy.conf\0')
    assert.equal(archive.length, 512 * 4)
  })
})
