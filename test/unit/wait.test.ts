// waitFor: what it sleeps between tries.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {waitFor} from '../../src/lifecycle/wait.js'

test('waitFor asks a function interval after each failed try, and sleeps what it says', async () => {
  const asked: number[] = []
  let tries = 0
  const started = Date.now()
  const value = await waitFor({what: 'a third try', timeoutMs: 5000, intervalMs: () => (asked.push(tries), tries === 1 ? 0 : 600)}, async () => (++tries === 3 ? 'done' : undefined))
  assert.equal(value, 'done')
  assert.deepEqual(asked, [1, 2])
  // Slept 0 ms, then 600: at least the second, far from twice it.
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 590 && elapsed < 1190, `took ${elapsed} ms`)
})
