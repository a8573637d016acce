// Provider operations whose decisions matter: the privilege probe, and
// load image streaming its archive into the nodes.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {Readable} from 'node:stream'
import {describe, test} from 'node:test'
import type Docker from 'dockerode'
import {DockerOperationError} from '../../src/errors/index.js'
import {loadImages} from '../../src/lifecycle/load-images.js'
import {DockerProvider} from '../../src/provider/docker/docker-provider.js'
import {FakeProvider} from '../fakes/provider.js'

function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), {statusCode, json: {message}})
}

/** A Docker whose probe container fails to start with `startError`, or runs when it is undefined. */
function probingDocker(startError?: Error): {docker: Docker; removed: () => boolean} {
  let removed = false
  const container = {
    start: async () => {
      if (startError) throw startError
    },
    wait: async () => ({StatusCode: 0}),
    remove: async () => {
      removed = true
    },
  }
  return {docker: {createContainer: async () => container} as unknown as Docker, removed: () => removed}
}

describe('the privilege probe', () => {
  const host = {hasKmsg: true, hasModules: true}

  test('a privileged container that starts: privileged mode', async () => {
    const {docker, removed} = probingDocker()
    assert.equal(await new DockerProvider(docker, host).detectSecurityMode('node:1'), 'privileged')
    assert.ok(removed())
  })

  test('refused capabilities: the restricted set', async () => {
    const {docker} = probingDocker(engineError(500, 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown'))
    assert.equal(await new DockerProvider(docker, host).detectSecurityMode('node:1'), 'restricted')
  })

  test('any other failure is Docker’s and surfaces as such, the probe removed', async () => {
    const {docker, removed} = probingDocker(engineError(500, 'mkdir /var/lib/docker/overlay2/x: no space left on device'))
    await assert.rejects(new DockerProvider(docker, host).detectSecurityMode('node:1'), (error: unknown) => error instanceof DockerOperationError && /no space left on device/.test(error.message))
    assert.ok(removed())
  })
})

describe('portHolder', () => {
  test('a port something listens on is held, by a container when one publishes it; a free one is not', async () => {
    const server = createServer()
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
    const port = (server.address() as {port: number}).port
    const wanted = {hostAddress: '127.0.0.1', hostPort: port, containerPort: 80, protocol: 'tcp' as const}
    let published: unknown[] = []
    const docker = {listContainers: async () => published} as unknown as Docker
    const provider = new DockerProvider(docker, {hasKmsg: false, hasModules: false})
    assert.match((await provider.portHolder(wanted)) ?? '', /^another program/)
    published = [{Id: 'x', Names: ['/web-1'], Ports: [{PublicPort: port, PrivatePort: 80, Type: 'tcp'}]}]
    assert.equal(await provider.portHolder(wanted), 'container web-1')
    await new Promise((ok) => server.close(ok))
    assert.equal(await provider.portHolder(wanted), undefined)
  })
})

describe('loadImages', () => {
  test('streams the saved archive into every node’s containerd, never as one buffer', async () => {
    const provider = new FakeProvider()
    for (const name of ['dev-control-plane', 'dev-worker']) {
      await provider.provisionNode({cluster: 'dev', name, containerName: `kcluster.dev.${name}`, role: 'worker', image: 'n', network: 'kcluster-dev', ipv4: '172.30.0.10', securityMode: 'restricted', ports: [], mounts: []})
    }
    const archive = Buffer.alloc(3 * 1024 * 1024, 7)
    provider.images.images.set('app:1', {id: 'sha256:1', labels: {}})
    provider.images.save = async (_references: string[], file: string) => writeFileSync(file, archive)
    const received = new Map<string, number>()
    provider.override = async (node, command, options) => {
      assert.deepEqual(command.slice(-1), ['-'], 'ctr reads the archive from its input')
      assert.ok(options.stdin instanceof Readable, 'the archive arrives as a stream')
      let bytes = 0
      for await (const chunk of options.stdin as Readable) bytes += (chunk as Buffer).length
      received.set(node.name, bytes)
      return {stdout: '', stderr: '', exitCode: 0}
    }
    const result = await loadImages({name: 'dev', images: ['app:1']}, {provider})
    assert.deepEqual(result.nodes, ['dev-control-plane', 'dev-worker'])
    assert.deepEqual(Object.fromEntries(received), {'dev-control-plane': archive.length, 'dev-worker': archive.length})
  })

  test('a missing image is named before anything is sent', async () => {
    const provider = new FakeProvider()
    await provider.provisionNode({cluster: 'dev', name: 'dev-control-plane', containerName: 'kcluster.dev.control-plane', role: 'control-plane', image: 'n', network: 'kcluster-dev', ipv4: '172.30.0.10', securityMode: 'restricted', ports: [], mounts: []})
    await assert.rejects(loadImages({name: 'dev', images: ['nope:1']}, {provider}), /image not found in the local Docker engine: nope:1/)
    assert.equal(provider.node('dev-control-plane').commands.length, 0)
  })
})
