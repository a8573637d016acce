// Addons end to end on ONE real cluster (1 node): for each addon, enable it,
// prove it with a real client, disable it, prove it is gone. Image builds are
// cached by input hash, so only the first run on a machine builds them.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {buildBusyboxImage, docker, eventually, kcluster, kubectlFromImage, kubectlRunner, tempDir} from './helpers.js'

const NAME = 'addons-e2e'
const TEST_IMAGE = 'kcluster-e2e/busybox:1'

async function push(reference: string): Promise<void> {
  // The engine wants an X-Registry-Auth header even for a registry without authentication.
  const stream = await docker.getImage(reference).push({authconfig: {username: '', password: '', serveraddress: reference.split('/')[0]}})
  await new Promise<void>((ok, fail) =>
    docker.modem.followProgress(stream, (error: Error | null, out: any[]) => {
      const failed = out?.find((o) => o.error)
      error || failed ? fail(error ?? new Error(failed.error)) : ok()
    }),
  )
}

describe('addons', {timeout: 60 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-addons-')
  const kubeconfig = join(dir, 'config')
  let kubectl: (args: string[], input?: string) => Promise<string>
  let nodeImage = ''
  const timings: Record<string, number> = {}

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    const out = await kcluster(['create', '--name', NAME, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    nodeImage = out.envelope.result.image
    kubectl = kubectlRunner(await kubectlFromImage(nodeImage), kubeconfig, out.envelope.result.context)
  })

  after(async () => {
    console.log(`addon timings (ms): ${JSON.stringify(timings)}`)
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  async function enable(name: string): Promise<any> {
    const started = Date.now()
    const out = await kcluster(['addons', 'enable', name, '--name', NAME], {}, true)
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    timings[`enable ${name}`] = Date.now() - started
    return out.envelope.result.addons[0]
  }

  async function disable(name: string): Promise<void> {
    const out = await kcluster(['addons', 'disable', name, '--name', NAME])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    assert.equal(out.envelope.result.addons[0].outcome, 'disabled')
  }

  async function state(name: string): Promise<string> {
    const out = await kcluster(['addons', 'list', '--name', NAME])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error))
    return out.envelope.result.addons.find((a: any) => a.name === name).state
  }

  /** The addons `status` names, read from the cluster through the API server, as [name, state]. */
  async function statusAddons(): Promise<[string, string][]> {
    const out = await kcluster(['status', '--name', NAME, '--kubeconfig', kubeconfig])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error ?? out.envelope.result))
    return out.envelope.result.addons.map((a: any) => [a.name, a.state])
  }

  test('the catalog with each state; an unknown name lists the valid ones (exit 3)', async () => {
    const out = await kcluster(['addons', 'list', '--name', NAME])
    assert.deepEqual(
      out.envelope.result.addons.map((a: any) => [a.name, a.state]),
      [['storage', 'enabled'], ['metrics-server', 'disabled'], ['ingress', 'disabled'], ['registry', 'disabled'], ['load-balancer', 'disabled'], ['dashboard', 'disabled']],
    )
    assert.deepEqual(await statusAddons(), [['storage', 'enabled']], 'status names the enabled addons too')
    const unknown = await kcluster(['addons', 'enable', 'metrics-sever', '--name', NAME])
    assert.equal(unknown.exitCode, 3)
    assert.match(unknown.envelope.error!.message, /did you mean metrics-server\? \(addons: storage, metrics-server, ingress, registry, load-balancer, dashboard\)/)
  })

  test('storage: on by default, a PVC binds; disabled, no StorageClass is left; enabled again, it binds again', async () => {
    const pvc = (name: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers:
  - {name: c, image: ${TEST_IMAGE}, imagePullPolicy: Never, command: [sleep, "3600"], volumeMounts: [{name: v, mountPath: /data}]}
  volumes: [{name: v, persistentVolumeClaim: {claimName: ${name}}}]
`
    await buildBusyboxImage(nodeImage, TEST_IMAGE)
    assert.equal((await kcluster(['load', 'image', TEST_IMAGE, '--name', NAME])).exitCode, 0)
    await kubectl(['apply', '-f', '-'], pvc('before'))
    await eventually('the PVC to bind', 90_000, async () => (await kubectl(['get', 'pvc', 'before', '-o', 'jsonpath={.status.phase}'])) === 'Bound')
    await kubectl(['delete', 'pod,pvc', 'before', '--wait=false'])

    await disable('storage')
    assert.equal(await kubectl(['get', 'storageclass', '-o', 'name']), '')
    assert.match(await kubectl(['get', 'namespace', 'local-path-storage', '--ignore-not-found', '-o', 'name']), /^$/)
    assert.equal(await state('storage'), 'disabled')

    const entry = await enable('storage')
    assert.equal(entry.outcome, 'enabled')
    assert.ok(entry.images.every((i: any) => !i.built && !i.loaded), 'the preloaded images serve')
    await kubectl(['apply', '-f', '-'], pvc('after'))
    await eventually('the PVC to bind again', 90_000, async () => (await kubectl(['get', 'pvc', 'after', '-o', 'jsonpath={.status.phase}'])) === 'Bound')
    await kubectl(['delete', 'pod,pvc', 'after', '--wait=false'])

    const twice = await kcluster(['addons', 'enable', 'storage', '--name', NAME])
    assert.equal(twice.exitCode, 0)
    assert.equal(twice.envelope.result.addons[0].outcome, 'already-enabled', 'a note, not an error')
  })

  test('metrics-server: kubectl top nodes and top pods answer within 90 s of enabling; disabled, the API is gone', async () => {
    const entry = await enable('metrics-server')
    assert.equal(entry.outcome, 'enabled')
    const ready = Date.now()
    const nodes = await eventually('kubectl top nodes', 90_000, async () => kubectl(['top', 'nodes', '--no-headers']))
    assert.match(nodes, new RegExp(`^${NAME}-control-plane\\s+\\d+m`, 'm'))
    const pods = await eventually('kubectl top pods -A', 90_000 - (Date.now() - ready), async () => kubectl(['top', 'pods', '-A', '--no-headers']))
    assert.match(pods, /^kube-system\s+metrics-server-\S+\s+\d+m\s+\d+Mi/m)
    timings['metrics-server ready to top'] = Date.now() - ready
    assert.equal(await state('metrics-server'), 'enabled')
    assert.deepEqual(await statusAddons(), [['storage', 'enabled'], ['metrics-server', 'enabled']])

    await disable('metrics-server')
    assert.equal(await kubectl(['get', 'apiservice', 'v1beta1.metrics.k8s.io', '--ignore-not-found', '-o', 'name']), '')
    assert.equal(await kubectl(['get', 'deployment', '-n', 'kube-system', 'metrics-server', '--ignore-not-found', '-o', 'name']), '')
    assert.equal(await state('metrics-server'), 'disabled')
    assert.deepEqual(await statusAddons(), [['storage', 'enabled']])
  })

  test('registry: docker push localhost:5001/app:dev from the host, then a pod runs it; disabled, the cluster no longer knows it', async () => {
    const entry = await enable('registry')
    assert.equal(entry.outcome, 'enabled')
    const hosting = await kubectl(['get', 'configmap', '-n', 'kube-public', 'local-registry-hosting', '-o', 'jsonpath={.data.localRegistryHosting\\.v1}'])
    assert.match(hosting, /host: "localhost:5001"/)

    await buildBusyboxImage(nodeImage, TEST_IMAGE)
    await docker.getImage(TEST_IMAGE).tag({repo: 'localhost:5001/app', tag: 'dev'})
    await push('localhost:5001/app:dev')
    await kubectl(['run', 'from-registry', '--image=localhost:5001/app:dev', '--image-pull-policy=Always', '--restart=Never', '--command', '--', 'sleep', '3600'])
    await eventually('the pod of the pushed image to run', 120_000, async () => (await kubectl(['get', 'pod', 'from-registry', '-o', 'jsonpath={.status.phase}'])) === 'Running')
    await kubectl(['delete', 'pod', 'from-registry', '--wait=false'])

    await disable('registry')
    assert.equal(await kubectl(['get', 'configmap', '-n', 'kube-public', 'local-registry-hosting', '--ignore-not-found', '-o', 'name']), '')
    const node = docker.getContainer(`kcluster.${NAME}.control-plane`)
    const exec = await node.exec({Cmd: ['test', '-e', '/etc/containerd/certs.d/localhost:5001/hosts.toml'], AttachStdout: true})
    await exec.start({})
    await eventually('the exec to end', 10_000, async () => (await exec.inspect()).Running === false)
    assert.equal((await exec.inspect()).ExitCode, 1, 'hosts.toml is removed')
    const registry = await docker.listContainers({all: true, filters: {name: ['^/kcluster-registry$']}})
    assert.ok(registry.every((c) => !Object.keys(c.NetworkSettings.Networks).includes(`kcluster-${NAME}`)), 'the registry left the cluster network')
    assert.equal(await state('registry'), 'disabled')
  })
})
