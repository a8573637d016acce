// Work started ahead of the step that needs it: awaited by that step, stopped by a failed create.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {CommandFailedError} from '../../src/errors/index.js'
import {finishAhead, newAheadWork, quietStep, startAhead, stopAhead} from '../../src/lifecycle/ahead.js'
import {createClusterFromSpec} from '../../src/lifecycle/create-cluster.js'
import {signedForToken, untilApiAnswers} from '../../src/lifecycle/steps/start-ahead.js'
import {SequentialStepRunner} from '../../src/progress/step.js'
import {FakeProvider, fakeClusterImages} from '../fakes/provider.js'
import {hasOpenssl} from '../support/openssl.js'

const step = () => quietStep(new AbortController().signal)

describe('work started ahead', () => {
  test('its step awaits it and gets its failure; a step with none started is told so', async () => {
    const ahead = newAheadWork()
    let finished = false
    startAhead(ahead, 'network', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      finished = true
    })
    startAhead(ahead, 'addons', async () => {
      throw new Error('refused')
    })
    assert.equal(await finishAhead(ahead, 'network', step()), true)
    assert.equal(finished, true)
    await assert.rejects(finishAhead(ahead, 'addons', step()), /refused/)
    assert.equal(await finishAhead(ahead, 'joins', step()), false)
    assert.equal(ahead.work.size, 0)
  })

  test('a failed create stops what still runs and waits for it before anything is removed', async () => {
    const ahead = newAheadWork()
    let sawAbort = false
    startAhead(ahead, 'network', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => ((sawAbort = true), reject(signal.reason)))))
    await stopAhead(ahead)
    assert.equal(sawAbort, true)
    assert.equal(ahead.work.size, 0)
  })

  test('work whose step never ran is stopped when the create ends, with that reason', async () => {
    const ahead = newAheadWork()
    let reason = ''
    startAhead(ahead, 'wait-addons', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => ((reason = String(signal.reason?.message)), reject(signal.reason)))))
    await stopAhead(ahead, 'the create ended')
    assert.equal(reason, 'the create ended')
    assert.equal(ahead.work.size, 0)
  })

  test('an interrupt of the awaiting step reaches the work', async () => {
    const ahead = newAheadWork()
    startAhead(ahead, 'network', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))))
    const interrupt = new AbortController()
    const waiting = finishAhead(ahead, 'network', quietStep(interrupt.signal))
    interrupt.abort(new Error('Ctrl-C'))
    await assert.rejects(waiting, /stopped/)
  })

  test('kubeadm init fails: no worker joins and nothing is applied, then everything is rolled back', async () => {
    const provider = new FakeProvider()
    provider.override = (_node, command) => (command[0] === 'kubeadm' && command[1] === 'init' ? new Promise((resolve) => setTimeout(() => resolve({stdout: 'error execution phase wait-control-plane', stderr: '', exitCode: 1}), 50)) : undefined)
    const kubeconfig = `${process.env.TMPDIR ?? '/tmp'}/kcluster-unit-ahead-${process.pid}`
    await assert.rejects(
      createClusterFromSpec(
        {name: 'dev', nodes: [{role: 'control-plane'}, {role: 'worker'}, {role: 'worker'}], networking: {apiServerAddress: '127.0.0.1', apiServerPort: 0, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16'}},
        {waitMs: 60_000, retain: false, kubeconfigPath: kubeconfig},
        {provider, images: fakeClusterImages(), runner: new SequentialStepRunner()},
      ),
      (error: unknown) => error instanceof CommandFailedError && /wait-control-plane/.test(String(error.details?.output)),
    )
    const commands = provider.nodes.flatMap((n) => n.commands.map((c) => c.join(' ')))
    assert.deepEqual(commands.filter((c) => /kubeadm join|kubectl .*apply/.test(c)), [])
    assert.deepEqual(provider.deleted, ['dev'])
    assert.throws(() => readFileSync(kubeconfig), /ENOENT/)
  })
})

describe('waiting for the API server before starting ahead', () => {
  /** An HTTPS server whose cluster-info gains the token's signature at the `signedAt`-th request. */
  async function apiServer(signedAt: number): Promise<{url: string; requests: () => number; close: () => Promise<void>}> {
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-ahead-'))
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], {stdio: 'ignore'})
    let count = 0
    const server = createServer({key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c'))}, (_req, res) => {
      count++
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify({data: count >= signedAt ? {kubeconfig: '…', 'jws-kubeconfig-abcdef': 'signature'} : {kubeconfig: '…'}}))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    rmSync(dir, {recursive: true, force: true})
    const {port} = server.address() as AddressInfo
    return {url: `https://127.0.0.1:${port}`, requests: () => count, close: () => new Promise((resolve) => server.close(() => resolve()))}
  }

  test('the workers wait for the token\'s signature even after kubeadm init ended; kubeadm would wait 5 s before asking again', {skip: hasOpenssl ? false : 'no openssl here'}, async () => {
    const api = await apiServer(3)
    try {
      await untilApiAnswers(api.url, '/api/v1/namespaces/kube-public/configmaps/cluster-info', signedForToken('abcdef'), Promise.resolve(true), new AbortController().signal, false)
      assert.equal(api.requests(), 3)
    } finally {
      await api.close()
    }
  })

  test('what kubeadm init implies is not asked once it ended; an API server the host cannot reach is not waited for', async () => {
    await untilApiAnswers('https://127.0.0.1:1', '/readyz', () => false, Promise.resolve(true), new AbortController().signal, true)
    await untilApiAnswers('https://127.0.0.1:1', '/api/v1/namespaces/kube-public/configmaps/cluster-info', () => false, Promise.resolve(true), new AbortController().signal, false)
    await assert.rejects(untilApiAnswers('https://127.0.0.1:1', '/readyz', () => false, Promise.resolve(false), new AbortController().signal, true), /kubeadm init failed/)
  })
})
