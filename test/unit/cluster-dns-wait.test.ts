// The in-node wait for cluster DNS, its shell script run here by /bin/sh with a `busybox` that answers as
// busybox nslookup does (tab or space after "Address:", the DNS server's own address first).
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {untilClusterDnsAnswers, waitForClusterDns} from '../../src/lifecycle/cluster-health.js'
import {TimeoutError} from '../../src/errors/index.js'
import type {ExecResult, Node} from '../../src/provider/types.js'

/** A node whose commands run on this machine, with `busybox` answering from a script. */
function nodeWithBusybox(busybox: string): Node {
  const bin = mkdtempSync(join(tmpdir(), 'kcluster-dns-'))
  writeFileSync(join(bin, 'busybox'), `#!/bin/sh\n${busybox}\n`)
  chmodSync(join(bin, 'busybox'), 0o755)
  return {
    name: 'dev-control-plane',
    containerName: 'kcluster.dev.control-plane',
    role: 'control-plane',
    ipv4: '172.30.0.10',
    exec: (command) =>
      new Promise<ExecResult>((resolve) => {
        execFile(command[0]!, command.slice(1), {env: {...process.env, PATH: `${bin}:${process.env.PATH}`}}, (error, stdout, stderr) =>
          resolve({stdout, stderr, exitCode: error ? Number((error as {code?: number}).code ?? 1) : 0}),
        )
      }),
    writeFile: async () => {},
  }
}

const addresses = {kubernetes: '10.96.0.1', dns: '10.96.0.10'}
const ANSWER = 'printf "Server:\\t\\t10.96.0.10\\nAddress:\\t10.96.0.10:53\\n\\nName:\\tkubernetes.default.svc.cluster.local\\nAddress:%s10.96.0.1\\n" "$SEP"'

describe('the in-node wait for cluster DNS', () => {
  test('ends once the kubernetes Service address comes back, whether a tab or a space follows "Address:"', async () => {
    assert.equal(await untilClusterDnsAnswers(nodeWithBusybox(`SEP=' '; ${ANSWER}`), addresses, 5), true)
    assert.equal(await untilClusterDnsAnswers(nodeWithBusybox(`SEP='\t'; ${ANSWER}`), addresses, 5), true)
  })

  test('asks again until the answer comes (the Service routed a moment later)', async () => {
    const counter = join(mkdtempSync(join(tmpdir(), 'kcluster-dns-count-')), 'asked')
    const busybox = `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n + 1)) > ${counter}; [ "$n" -ge 2 ] || { echo ";; connection timed out; no servers could be reached"; exit 1; }; SEP=' '; ${ANSWER}`
    const started = Date.now()
    assert.equal(await untilClusterDnsAnswers(nodeWithBusybox(busybox), addresses, 5), true)
    assert.ok(Date.now() - started < 3000, 'asked every 0.1 s, not once a second')
  })

  test('an answer with another address, or only the server line, is no answer; the slice ends with the last line', async () => {
    const wrong = 'printf "Server:\\t\\t10.96.0.10\\nAddress:\\t10.96.0.1:53\\n\\nName:\\tkubernetes.default.svc.cluster.local\\nAddress: 10.96.0.11\\n"'
    await assert.rejects(untilClusterDnsAnswers(nodeWithBusybox(wrong), addresses, 1), /nslookup: Address: 10\.96\.0\.11/)
    await assert.rejects(untilClusterDnsAnswers(nodeWithBusybox('echo ";; connection timed out; no servers could be reached"; exit 1'), addresses, 1), /nslookup: ;; connection timed out/)
  })

  test('create and start share one wait: it ends by its own deadline, its slices no longer than what is left, naming the last answer', async () => {
    const started = Date.now()
    const silent = nodeWithBusybox('echo ";; connection timed out; no servers could be reached"; exit 1')
    await assert.rejects(waitForClusterDns(silent, addresses, 1500, new AbortController().signal), (error: unknown) => error instanceof TimeoutError && /cluster DNS at 10\.96\.0\.10/.test(error.message) && /connection timed out/.test(JSON.stringify(error)))
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`)
    assert.equal(await waitForClusterDns(nodeWithBusybox(`SEP=' '; ${ANSWER}`), addresses, 5000, new AbortController().signal), true)
  })
})
