import assert from 'node:assert/strict'
import type {ProgressCloudEvent} from '../../src/progress/cloud-event.js'
import {Writable} from 'node:stream'
import {describe, test} from 'node:test'
import {chooseRenderer, createStepRunner, isCI, isNoColor, ListrStepRunner, plainLine, type RendererKind} from '../../src/cli/step-runner.js'
import {InterruptedError} from '../../src/errors/index.js'
import {SequentialStepRunner, type ProgressEvent, type Step} from '../../src/progress/step.js'

class Capture extends Writable {
  text = ''
  isTTY = true
  columns = 100
  rows = 40
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += chunk.toString()
    callback()
  }
}

interface Ctx {
  log: string[]
}

class StepError extends Error {}

function steps(failAt?: string): Step<Ctx>[] {
  const make = (title: string, extra: Partial<Step<Ctx>> = {}): Step<Ctx> => ({
    id: `step-${title}`,
    title,
    run: async (ctx, step) => {
      ctx.log.push(title)
      step.report(`working on ${title}`)
      await new Promise((r) => setTimeout(r, 2))
      if (title === failAt) throw new StepError(`${title} broke`)
    },
    ...extra,
  })
  return [make('one'), make('two', {skip: () => 'already there'}), make('three'), make('four')]
}

function stripVolatile(events: ProgressEvent[]): Omit<ProgressEvent, 'elapsedMs'>[] {
  return events.map(({elapsedMs, ...rest}) => {
    if (rest.state === 'done' || rest.state === 'fail') assert.equal(typeof elapsedMs, 'number')
    return rest
  })
}

describe('chooseRenderer', () => {
  const table: [{json: boolean; stderrIsTTY: boolean; ci: boolean; quiet?: boolean; noColor?: boolean}, RendererKind][] = [
    [{json: true, stderrIsTTY: true, ci: false}, 'json-events'],
    [{json: true, stderrIsTTY: false, ci: true}, 'json-events'],
    [{json: false, stderrIsTTY: true, ci: true}, 'plain'],
    [{json: false, stderrIsTTY: false, ci: false}, 'plain'],
    [{json: false, stderrIsTTY: false, ci: true}, 'plain'],
    [{json: false, stderrIsTTY: true, ci: false}, 'listr-default'],
    [{json: false, stderrIsTTY: true, ci: false, noColor: true}, 'plain'],
    [{json: true, stderrIsTTY: true, ci: false, quiet: true}, 'silent'],
    [{json: false, stderrIsTTY: true, ci: false, quiet: true}, 'silent'],
  ]
  for (const [input, expected] of table) test(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(chooseRenderer(input), expected))

  test('isNoColor: set and not empty', () => {
    assert.equal(isNoColor({NO_COLOR: '1'}), true)
    assert.equal(isNoColor({NO_COLOR: ''}), false)
    assert.equal(isNoColor({}), false)
  })

  test('the silent runner still runs every step', async () => {
    const ran: string[] = []
    await createStepRunner('silent').run([{id: 'a', title: 'A', run: async () => void ran.push('a')}, {id: 'b', title: 'B', run: async () => void ran.push('b')}], {})
    assert.deepEqual(ran, ['a', 'b'])
  })

  test('isCI', () => {
    assert.equal(isCI({CI: 'true'}), true)
    assert.equal(isCI({CI: '1'}), true)
    assert.equal(isCI({CI: 'false'}), false)
    assert.equal(isCI({CI: '0'}), false)
    assert.equal(isCI({CI: ''}), false)
    assert.equal(isCI({}), false)
  })
})

describe('SequentialStepRunner', () => {
  test('emits events in order, skips, passes ctx through', async () => {
    const events: ProgressEvent[] = []
    const ctx: Ctx = {log: []}
    await new SequentialStepRunner((e) => events.push(e)).run(steps(), ctx)
    assert.deepEqual(ctx.log, ['one', 'three', 'four'])
    assert.deepEqual(stripVolatile(events), [
      {type: 'progress', stepId: 'step-one', step: 'one', state: 'start'},
      {type: 'progress', stepId: 'step-one', step: 'one', state: 'info', message: 'working on one'},
      {type: 'progress', stepId: 'step-one', step: 'one', state: 'done'},
      {type: 'progress', stepId: 'step-two', step: 'two', state: 'skip', message: 'already there'},
      {type: 'progress', stepId: 'step-three', step: 'three', state: 'start'},
      {type: 'progress', stepId: 'step-three', step: 'three', state: 'info', message: 'working on three'},
      {type: 'progress', stepId: 'step-three', step: 'three', state: 'done'},
      {type: 'progress', stepId: 'step-four', step: 'four', state: 'start'},
      {type: 'progress', stepId: 'step-four', step: 'four', state: 'info', message: 'working on four'},
      {type: 'progress', stepId: 'step-four', step: 'four', state: 'done'},
    ])
  })

  test('stops at the first failure and rethrows the same error', async () => {
    const events: ProgressEvent[] = []
    const ctx: Ctx = {log: []}
    const failing = steps('three')
    let caught: unknown
    await new SequentialStepRunner((e) => events.push(e)).run(failing, ctx).catch((e) => (caught = e))
    assert.ok(caught instanceof StepError)
    assert.equal(caught.message, 'three broke')
    assert.deepEqual(ctx.log, ['one', 'three'])
    assert.deepEqual(events.at(-1)?.state, 'fail')
    assert.equal(events.at(-1)?.message, 'three broke')
  })
})

describe("createStepRunner('json-events')", () => {
  test('writes one NDJSON progress event per line, in order', async () => {
    const out = new Capture()
    const ctx: Ctx = {log: []}
    await createStepRunner('json-events', out).run(steps(), ctx)
    const lines = out.text.trimEnd().split('\n')
    const events = lines.map((line) => JSON.parse(line) as ProgressCloudEvent)
    assert.equal(events.length, 10)
    assert.deepEqual(
      events.map((e) => `${e.data.step}:${e.data.state}`),
      ['one:start', 'one:info', 'one:done', 'two:skip', 'three:start', 'three:info', 'three:done', 'four:start', 'four:info', 'four:done'],
    )
    assert.deepEqual(events.slice(0, 3).map((e) => e.type), ['dev.kcluster.step.started', 'dev.kcluster.step.progress', 'dev.kcluster.step.completed'])
    assert.equal(events[3]!.type, 'dev.kcluster.step.skipped')
    for (const e of events) {
      assert.equal(e.specversion, '1.0')
      assert.ok(e.id && !Number.isNaN(Date.parse(e.time)))
    }
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'every event has its own id')
  })

  test('rethrows the failing step error unchanged and runs nothing after it', async () => {
    const out = new Capture()
    const ctx: Ctx = {log: []}
    const failure = createStepRunner('json-events', out).run(steps('one'), ctx)
    await assert.rejects(failure, (e: unknown) => e instanceof StepError && e.message === 'one broke')
    assert.deepEqual(ctx.log, ['one'])
    const last = JSON.parse(out.text.trimEnd().split('\n').at(-1)!) as ProgressCloudEvent
    assert.equal(last.type, 'dev.kcluster.step.failed')
    assert.equal(last.data.step, 'one')
  })

  test('honours an aborted signal', async () => {
    const controller = new AbortController()
    controller.abort(new InterruptedError())
    const ctx: Ctx = {log: []}
    await assert.rejects(createStepRunner('json-events', new Capture()).run(steps(), ctx, controller.signal), InterruptedError)
    assert.deepEqual(ctx.log, [])
  })

  test('stops before the next step once aborted mid-run', async () => {
    const controller = new AbortController()
    const ctx: Ctx = {log: []}
    const list = steps()
    const first = list[0]!
    list[0] = {...first, run: async (c, s) => {
      await first.run(c, s)
      controller.abort(new InterruptedError())
    }}
    await assert.rejects(createStepRunner('json-events', new Capture()).run(list, ctx, controller.signal), InterruptedError)
    assert.deepEqual(ctx.log, ['one'])
  })
})

describe("createStepRunner('plain')", () => {
  test('prints plain lines without ANSI escapes', async () => {
    const out = new Capture()
    await createStepRunner('plain', out).run(steps(), {log: []})
    assert.ok(!out.text.includes('\u001b'), JSON.stringify(out.text))
    const lines = out.text.trimEnd().split('\n')
    assert.equal(lines[0], '[kcluster] • one')
    assert.equal(lines[1], '[kcluster]   one: working on one')
    assert.match(lines[2]!, /^\[kcluster\] ✓ one \(\d+\.\ds\)$/)
    assert.equal(lines[3], '[kcluster] - two (skipped: already there)')
  })

  test('rethrows the failure', async () => {
    const out = new Capture()
    await assert.rejects(createStepRunner('plain', out).run(steps('four'), {log: []}), StepError)
    assert.match(out.text.trimEnd().split('\n').at(-1)!, /^\[kcluster\] ✗ four \(\d+\.\ds\): four broke$/)
  })

  test('plainLine strips colours and newlines from messages', () => {
    assert.equal(plainLine({type: 'progress', stepId: 's', step: 's', state: 'info', message: '\u001b[31mred\u001b[0m\nnext'}), '[kcluster]   s: red next')
    assert.equal(plainLine({type: 'progress', stepId: 's', step: 's', state: 'done', elapsedMs: 125_000}), '[kcluster] ✓ s (2m5s)')
    assert.equal(plainLine({type: 'progress', stepId: 's', step: 's', state: 'skip'}), '[kcluster] - s (skipped)')
  })
})

describe("createStepRunner('listr-default')", () => {
  test('runs steps in order with the same ctx, writing only to the given stream', async () => {
    const out = new Capture()
    const ctx: Ctx = {log: []}
    const runner = createStepRunner('listr-default', out)
    assert.ok(runner instanceof ListrStepRunner)
    await runner.run(steps(), ctx)
    assert.deepEqual(ctx.log, ['one', 'three', 'four'])
    assert.match(out.text, /one/)
    assert.match(out.text, /already there/)
  })

  test('stops at the first failure and rethrows the same error', async () => {
    const out = new Capture()
    const ctx: Ctx = {log: []}
    const original = new StepError('boom')
    const list: Step<Ctx>[] = [
      {id: 'ok', title: 'ok', run: async (c) => void c.log.push('ok')},
      {id: 'bad', title: 'bad', run: async () => {
        throw original
      }},
      {id: 'never', title: 'never', run: async (c) => void c.log.push('never')},
    ]
    let caught: unknown
    await createStepRunner('listr-default', out).run(list, ctx).catch((e) => (caught = e))
    assert.equal(caught, original)
    assert.deepEqual(ctx.log, ['ok'])
  })

  test('honours the abort signal', async () => {
    const controller = new AbortController()
    const ctx: Ctx = {log: []}
    const reason = new InterruptedError()
    const list: Step<Ctx>[] = [
      {id: 'first', title: 'first', run: async (c) => {
        c.log.push('first')
        controller.abort(reason)
      }},
      {id: 'second', title: 'second', run: async (c) => void c.log.push('second')},
    ]
    let caught: unknown
    await createStepRunner('listr-default', new Capture()).run(list, ctx, controller.signal).catch((e) => (caught = e))
    assert.equal(caught, reason)
    assert.deepEqual(ctx.log, ['first'])
  })
})
