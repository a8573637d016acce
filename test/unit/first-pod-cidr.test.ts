// The create's admin API from the host (tested through a real HTTPS server with a CA and client certificates), and the
// first control plane's pod CIDR, given by kcluster through it before the controller manager runs.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:https'
import {createServer as createNetServer} from 'node:net'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {defaultNetworking} from '../../src/config/cluster-spec.js'
import {closeAdminApi, withAdminApi} from '../../src/lifecycle/admin-api.js'
import {newCreateContext} from '../../src/lifecycle/create-context.js'
import {claimFirstPodCidr, firstPodCidr} from '../../src/lifecycle/steps/install-pod-network.js'
import {planCluster} from '../../src/plan/plan-cluster.js'
import type {NodeContainerSpec} from '../../src/provider/types.js'
import {ADMIN_CONF, FakeNode, FakeProvider, fakeClusterImages} from '../fakes/provider.js'
import {hasOpenssl} from '../support/openssl.js'

describe("the first pod CIDR and the create's admin API", () => {
  test('the first /24 of the pod subnet, as the range allocator cuts it; none where it may cut otherwise', () => {
    assert.equal(firstPodCidr({podSubnet: '10.244.0.0/16'}, []), '10.244.0.0/24')
    assert.equal(firstPodCidr({podSubnet: '192.168.128.0/17'}, [{name: 'leader-elect'}]), '192.168.128.0/24')
    assert.equal(firstPodCidr({podSubnet: '10.244.0.0/24'}, []), '10.244.0.0/24')
    assert.equal(firstPodCidr({podSubnet: '10.244.0.0/25'}, []), undefined, 'smaller than a node block')
    assert.equal(firstPodCidr({podSubnet: '10.244.0.0/16'}, [{name: 'node-cidr-mask-size'}]), undefined, 'the user cuts the blocks')
    assert.equal(firstPodCidr({podSubnet: '10.244.0.0/16'}, [{name: 'node-cidr-mask-size-ipv4'}]), undefined)
  })

  /** A CA, an API server certificate for 127.0.0.1 and an admin client certificate, as PEM. */
  function certificates(): {ca: string; serverKey: string; serverCert: string; clientKey: string; clientCert: string} {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-cidr-'))
    const run = (...args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'ignore'})
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    try {
      run('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=ca', '-keyout', 'ca.key', '-out', 'ca.crt')
      writeFileSync(join(dir, 'san'), 'subjectAltName=IP:127.0.0.1\n')
      for (const [who, cn] of [['server', 'kube-apiserver'], ['client', 'kubernetes-admin']] as const) {
        run('req', ...ec, '-subj', `/CN=${cn}`, '-keyout', `${who}.key`, '-out', `${who}.csr`)
        run('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', ...(who === 'server' ? ['-extfile', 'san'] : []), '-out', `${who}.crt`)
      }
      const read = (name: string) => readFileSync(join(dir, name), 'utf8')
      return {ca: read('ca.crt'), serverKey: read('server.key'), serverCert: read('server.crt'), clientKey: read('client.key'), clientCert: read('client.crt')}
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }

  /** An API server that answers the node's PATCH with `answers` in turn (the last one repeats), and a GET with `current`. */
  async function apiServer(answers: number[], current?: string) {
    const certs = certificates()
    const patches: {body: string; contentType: string | undefined; client: string; url: string}[] = []
    const server = createServer({key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: true}, (req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk))
      req.on('end', () => {
        if (req.method === 'GET') {
          res.writeHead(200, {'content-type': 'application/json'})
          return res.end(JSON.stringify({spec: {podCIDR: current}}))
        }
        const client = String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '')
        patches.push({body, contentType: req.headers['content-type'], client, url: req.url ?? ''})
        const status = answers[Math.min(patches.length, answers.length) - 1]!
        res.writeHead(status, {'content-type': 'application/json'})
        res.end(status === 200 ? JSON.stringify({spec: JSON.parse(body).spec}) : JSON.stringify({kind: 'Status', code: status}))
      })
    })
    // TLS handshakes made, one per new connection.
    const handshakes = {count: 0}
    server.on('secureConnection', () => handshakes.count++)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    const b64 = (pem: string) => Buffer.from(pem).toString('base64')
    // The fakes' admin.conf, with real credentials.
    const adminConf = ADMIN_CONF.replace('Q0E=', b64(certs.ca)).replace('Q0VSVA==', b64(certs.clientCert)).replace('S0VZ', b64(certs.clientKey))
    return {port, adminConf, patches, handshakes, close: () => new Promise<void>((resolve) => {
        // A create's kept-alive connection (closeAdminApi) is not this test's to wait for.
        server.close(() => resolve())
        server.closeAllConnections()
      })}
  }

  function contextFor(port: number, adminConf: string) {
    const provider = new FakeProvider()
    provider.override = (_node, command) => (command.join(' ') === 'cat /etc/kubernetes/admin.conf' ? {stdout: adminConf, stderr: '', exitCode: 0} : undefined)
    const ctx = newCreateContext({name: 'dev', nodes: [{role: 'control-plane'}], networking: defaultNetworking()}, {waitMs: 60_000, retain: false, kubeconfigPath: '/dev/null'}, provider, fakeClusterImages())
    ctx.plan = planCluster(ctx.spec, {subnetsInUse: [], freeApiServerPort: port})
    ctx.kubernetesVersion = 'v1.34.4'
    ctx.secrets = {token: 'abcdef.0123456789abcdef', certificateKey: '00'.repeat(32)}
    const planned = ctx.plan.nodes[0]!
    const node = new FakeNode({name: planned.name, containerName: `kcluster.dev.${planned.name}`, role: planned.role, ipv4: planned.ipv4} as NodeContainerSpec, provider)
    ctx.nodes = [node]
    return {ctx, node}
  }

  test('set as the cluster admin once the node is registered; its CNI configuration follows at once', {skip: hasOpenssl ? false : 'no openssl here'}, async () => {
    // Not registered yet, then the admin's binding not yet in force, then taken.
    const api = await apiServer([404, 403, 200])
    try {
      const {ctx, node} = contextFor(api.port, api.adminConf)
      assert.equal(await claimFirstPodCidr(ctx, new AbortController().signal), true)
      assert.equal(api.patches.length, 3)
      assert.deepEqual(JSON.parse(api.patches[0]!.body), {spec: {podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24']}})
      assert.equal(api.patches[0]!.contentType, 'application/merge-patch+json')
      assert.equal(api.patches[0]!.client, 'kubernetes-admin')
      assert.equal(ctx.podCidrs.get('dev-control-plane'), '10.244.0.0/24')
      const cni = JSON.parse(node.files.get('/etc/cni/net.d/10-kcluster.conflist')!)
      assert.deepEqual(cni.plugins[0].ipam.ranges, [[{subnet: '10.244.0.0/24'}]])
    } finally {
      await api.close()
    }
  })

  test('a CIDR the controller manager gave first stands', {skip: hasOpenssl ? false : 'no openssl here'}, async () => {
    const api = await apiServer([422], '10.244.7.0/24')
    try {
      const {ctx, node} = contextFor(api.port, api.adminConf)
      assert.equal(await claimFirstPodCidr(ctx, new AbortController().signal), true)
      assert.equal(ctx.podCidrs.get('dev-control-plane'), '10.244.7.0/24')
      assert.match(node.files.get('/etc/cni/net.d/10-kcluster.conflist')!, /10\.244\.7\.0\/24/)
    } finally {
      await api.close()
    }
  })

  test('an API server this host does not reach: left to the controller manager at once, nothing written', {skip: hasOpenssl ? false : 'no openssl here'}, async () => {
    const api = await apiServer([200])
    await api.close()
    const {ctx, node} = contextFor(api.port, api.adminConf)
    const started = Date.now()
    assert.equal(await claimFirstPodCidr(ctx, new AbortController().signal), false)
    assert.ok(Date.now() - started < 5000, 'no retries against a closed port')
    assert.equal(ctx.podCidrs.size, 0)
    assert.ok(!node.files.has('/etc/cni/net.d/10-kcluster.conflist'))
  })
  test("create's objects go in by server-side apply as the cluster admin; forbidden a moment (before kubeadm binds the admin's group) is asked again", {skip: hasOpenssl ? false : 'no openssl here'}, async () => {
    const api = await apiServer([403, 201])
    try {
      const {ctx} = contextFor(api.port, api.adminConf)
      const configMap = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'kcluster-flannel', namespace: 'kube-system'}, data: {a: 'b'}}
      assert.equal(await withAdminApi(ctx, new AbortController().signal, async (admin) => admin!.apply([configMap], {force: true})), true)
      assert.equal(api.patches.length, 2)
      const applied = api.patches[1]!
      assert.equal(applied.url, '/api/v1/namespaces/kube-system/configmaps/kcluster-flannel?fieldManager=kcluster&fieldValidation=Strict&force=true')
      assert.equal(applied.contentType, 'application/apply-patch+yaml')
      assert.equal(applied.client, 'kubernetes-admin')
      assert.deepEqual(JSON.parse(applied.body), configMap)
    } finally {
      await api.close()
    }
  })

  test("the create's steps share one connection to the API server, closed when the create ends", {skip: hasOpenssl ? false : 'no openssl here'}, async () => {
    const api = await apiServer([200])
    try {
      const {ctx} = contextFor(api.port, api.adminConf)
      for (let step = 0; step < 3; step++) {
        await withAdminApi(ctx, new AbortController().signal, async (admin) => assert.equal((await admin!.get('/api/v1/nodes'))!.statusCode, 200))
      }
      assert.equal(api.handshakes.count, 1)
      closeAdminApi(ctx)
      assert.equal(ctx.adminApi, undefined)
      await withAdminApi(ctx, new AbortController().signal, async (admin) => admin!.get('/api/v1/nodes'))
      assert.equal(api.handshakes.count, 2, 'a new connection after the close')
      closeAdminApi(ctx)
    } finally {
      await api.close()
    }
  })

  test("once the API server has let the admin in, a 403 is its answer: not asked again, and the CIDR is left to the controller manager", {skip: hasOpenssl ? false : 'no openssl here'}, async () => {
    const api = await apiServer([403])
    try {
      const {ctx, node} = contextFor(api.port, api.adminConf)
      await withAdminApi(ctx, new AbortController().signal, async (admin) => {
        assert.equal((await admin!.get('/api/v1/nodes/dev-control-plane'))!.statusCode, 200)
        const started = Date.now()
        assert.equal((await admin!.mergePatch('/api/v1/nodes/dev-control-plane', {}))!.statusCode, 403)
        assert.equal(await admin!.apply([{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x', namespace: 'kube-system'}}], {force: false}), false)
        assert.ok(Date.now() - started < 1000, 'not asked again')
      })
      assert.equal(await claimFirstPodCidr(ctx, new AbortController().signal), false)
      assert.equal(api.patches.length, 3)
      assert.ok(!node.files.has('/etc/cni/net.d/10-kcluster.conflist'))
      closeAdminApi(ctx)
    } finally {
      await api.close()
    }
  })

  test('a host that got no answer once is not asked again: the caller goes to the node at once', {skip: hasOpenssl ? false : 'no openssl here'}, async () => {
    // Takes connections and never answers: each request would wait out its timeout.
    const held: import('node:net').Socket[] = []
    const silent = createNetServer((socket) => held.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const {port} = silent.address() as AddressInfo
    const reachable = await apiServer([200])
    try {
      const {ctx} = contextFor(port, reachable.adminConf)
      await withAdminApi(ctx, new AbortController().signal, async (admin) => {
        assert.equal(await admin!.get('/api/v1/nodes'), undefined)
        const started = Date.now()
        assert.equal(await admin!.get('/api/v1/nodes'), undefined)
        assert.equal(await admin!.apply([{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}}], {force: false}), false)
        assert.ok(Date.now() - started < 100, 'not asked again')
      })
      assert.equal(held.length, 1)
    } finally {
      for (const socket of held) socket.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
      await reachable.close()
    }
  })
})
