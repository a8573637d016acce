// dockerode's SSH transport and BuildKit session load on first use, not with dockerode (start-up time of every command).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {describe, test} from 'node:test'
import {deferredKind} from '../../src/provider/docker/deferred-modules.js'

/** Runs an ES module script in a fresh Node.js (nothing loaded yet), from the package root; its stdout. */
function fresh(script: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: new URL('../../..', import.meta.url), encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe']})
}

const LOADED = `const cache = () => Object.keys(createRequire(import.meta.url).cache); const loaded = (part) => cache().some((k) => k.includes(part))`

describe('the parts of dockerode loaded on first use', () => {
  test('only the SSH transport of docker-modem and the session of dockerode are deferred', () => {
    assert.equal(deferredKind('./ssh', 'file:///x/node_modules/docker-modem/lib/modem.js'), 'ssh')
    assert.equal(deferredKind('./session', 'file:///x/node_modules/dockerode/lib/docker.js'), 'session')
    assert.equal(deferredKind('./ssh', 'file:///x/node_modules/other/lib/modem.js'), undefined)
    assert.equal(deferredKind('./http', 'file:///x/node_modules/docker-modem/lib/modem.js'), undefined)
  })

  test('connecting loads neither ssh2 nor gRPC; a DOCKER_HOST of ssh:// still dials, loading ssh2 then', () => {
    const out = fresh(`
      import {createRequire} from 'node:module'
      ${LOADED}
      const {connectDocker} = await import('./dist/src/provider/docker/client.js')
      connectDocker()
      const before = [loaded('/ssh2/'), loaded('/@grpc/'), loaded('/protobufjs/')]
      const {default: Docker} = await import('dockerode')
      const error = await new Docker({protocol: 'ssh', host: '127.0.0.1', port: 1, username: 'nobody'}).ping().catch((e) => e)
      const session = createRequire(import.meta.url)('dockerode/lib/session.js')
      console.log(JSON.stringify({before, error: error.code, after: loaded('/ssh2/'), session: typeof session}))
    `)
    assert.deepEqual(JSON.parse(out), {before: [false, false, false], error: 'ECONNREFUSED', after: true, session: 'function'})
  })
})
