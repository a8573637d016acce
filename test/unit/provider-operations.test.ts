// Provider operations whose decisions matter: the privilege probe, and
// load image streaming its archive into the nodes.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {Readable} from 'node:stream'
import {describe, test} from 'node:test'
import type Docker from 'dockerode'
import {DockerOperationError} from '../../src/errors/index.js'
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

