// kcluster's machine contracts, held still: the CLI's flags and arguments
// (a snapshot of oclif.manifest.json), the JSON Schemas shipped in schemas/
// (each the written-out description of src/contracts, versioned, one per
// command), and real --json output validating against them.
//
// The compiler checks the type-level part below: each command's result type
// and its schema's type must be the same, so a field added to one and not the
// other fails the build.
//
// UPDATE_CONTRACTS=1 rewrites the CLI snapshot and records bumped schema
// versions; it never accepts a schema whose shape changed under the same version.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Writable} from 'node:stream'
import {describe, test} from 'node:test'
import Create from '../../src/commands/create.js'
import Delete from '../../src/commands/delete.js'
import List from '../../src/commands/list.js'
import Start from '../../src/commands/start.js'
import Stop from '../../src/commands/stop.js'
import Status from '../../src/commands/status.js'
import Version from '../../src/commands/version.js'
import LoadImage from '../../src/commands/load/image.js'
import BuildNodeImage from '../../src/commands/build/node-image.js'
import PortAdd from '../../src/commands/port/add.js'
import PortList from '../../src/commands/port/list.js'
import PortRemove from '../../src/commands/port/remove.js'
import GetKubeconfig from '../../src/commands/get/kubeconfig.js'
import ExportKubeconfig from '../../src/commands/export/kubeconfig.js'
import ExportLogs from '../../src/commands/export/logs.js'
import Doctor from '../../src/commands/doctor.js'
import Prune from '../../src/commands/prune.js'
import AutocompleteFish from '../../src/commands/autocomplete/fish.js'
import AddonsList from '../../src/commands/addons/list.js'
import AddonsEnable from '../../src/commands/addons/enable.js'
import AddonsDisable from '../../src/commands/addons/disable.js'
import type {ErrorEnvelope, SuccessEnvelope} from '../../src/cli/base-command.js'
import type {ClusterStatus} from '../../src/lifecycle/cluster-status.js'
import type {ProgressCloudEvent} from '../../src/progress/cloud-event.js'
import {contractDocuments, RESULT_SCHEMAS, resultSchemaFile, schemaId} from '../../src/contracts/index.js'
import {STATUS_WATCH_LINE} from '../../src/contracts/results.js'
import {ENVELOPE, PROGRESS_EVENT} from '../../src/contracts/streams.js'
import type {Static} from '../../src/contracts/schema.js'
import {createStepRunner} from '../../src/cli/step-runner.js'
import {KclusterError} from '../../src/errors/index.js'
import {packageRoot} from '../../src/images/paths.js'
import {EVENT_TYPE_BY_STATE, toCloudEvent} from '../../src/progress/cloud-event.js'
import type {Step, StepState} from '../../src/progress/step.js'
import {cliSurface} from '../contracts/cli-surface.js'
import {sameType, type Equals} from '../contracts/same-type.js'
import {checkLock, shapeHash, type SchemaLock} from '../contracts/schema-lock.js'
import {envelopeProblems, progressStreamProblems, readSchema, SCHEMAS_DIR} from '../contracts/schemas.js'
import {checkKeywords, validate, type JsonSchema} from '../contracts/validator.js'

type CommandClass = abstract new (...args: any[]) => {run(): Promise<unknown>}
type Result<C extends CommandClass> = Exclude<Awaited<ReturnType<InstanceType<C>['run']>>, void>
type Command = keyof typeof RESULT_SCHEMAS

/** The class of each command with a result schema: one missing here, or one too many, does not compile. */
const COMMANDS = {
  create: Create,
  delete: Delete,
  list: List,
  start: Start,
  stop: Stop,
  status: Status,
  version: Version,
  'load image': LoadImage,
  'build node-image': BuildNodeImage,
  'port add': PortAdd,
  'port list': PortList,
  'port remove': PortRemove,
  'get kubeconfig': GetKubeconfig,
  'export kubeconfig': ExportKubeconfig,
  'export logs': ExportLogs,
  doctor: Doctor,
  prune: Prune,
  'autocomplete fish': AutocompleteFish,
  'addons list': AddonsList,
  'addons enable': AddonsEnable,
  'addons disable': AddonsDisable,
} satisfies Record<Command, CommandClass>

/** Commands whose result type differs from their schema's; for the difference, call sameType<Static<…>, Result<typeof …>>(true). */
type Mismatched = {[K in Command]: Equals<Static<(typeof RESULT_SCHEMAS)[K]['schema']>, Result<(typeof COMMANDS)[K]>> extends true ? never : K}[Command]
const resultsMatch: [Mismatched] extends [never] ? true : Mismatched = true
void resultsMatch
sameType<Static<typeof STATUS_WATCH_LINE>, {time: string} & ClusterStatus>(true)
sameType<Static<typeof ENVELOPE>, SuccessEnvelope<unknown> | ErrorEnvelope>(true)
sameType<Static<typeof PROGRESS_EVENT>, ProgressCloudEvent>(true)

const ROOT = packageRoot()
const FIXTURES = join(ROOT, 'test', 'fixtures', 'contracts')
const SAMPLES = join(FIXTURES, 'samples')
const UPDATE = process.env.UPDATE_CONTRACTS === '1'
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))
const writeJson = (path: string, value: unknown) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`)
const manifest = readJson(join(ROOT, 'oclif.manifest.json')) as {commands: Record<string, Record<string, unknown>>}
const commandIds = Object.keys(cliSurface(manifest))
const documents = contractDocuments()

describe('the CLI surface (oclif.manifest.json)', () => {
  test('every command, flag and argument is as recorded in test/fixtures/contracts/cli-manifest.json', () => {
    const path = join(FIXTURES, 'cli-manifest.json')
    const surface = cliSurface(manifest)
    if (UPDATE) writeJson(path, surface)
    assert.deepEqual(surface, readJson(path), 'a flag or argument changed: if that is meant, rewrite the snapshot with UPDATE_CONTRACTS=1 and say so in the commit')
  })
})

describe('schemas/', () => {
  test('each contract schema is its description in src/contracts written out (npm run schema rewrites them)', () => {
    for (const {file, json} of documents) assert.deepEqual(readSchema(file), json, file)
    const shipped = readdirSync(SCHEMAS_DIR, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.schema.json') && f !== 'cluster-config.schema.json')
    assert.deepEqual(shipped.sort(), documents.map((d) => d.file).sort(), 'a schema file without a description in src/contracts')
  })

  test('every command in the manifest has a result schema, and every result schema a command', () => {
    const missing = commandIds.filter((id) => !(id in RESULT_SCHEMAS))
    assert.deepEqual(missing, [], `commands without a result schema: add each to RESULT_SCHEMAS in src/contracts/results.ts (schemas/${resultSchemaFile('<command>')}), then npm run schema`)
    assert.deepEqual(Object.keys(RESULT_SCHEMAS).filter((id) => !commandIds.includes(id)), [], 'result schemas of commands that do not exist')
  })

  test('each $id carries the schema\'s version', () => {
    for (const {file, version, json} of documents) {
      assert.equal(json.$id, schemaId(file, version))
      assert.match(String(json.$id), new RegExp(`^https://kcluster\\.dev/schemas/v${version}/`))
    }
  })

  test('no schema changed shape without a new version (test/fixtures/contracts/schema-versions.json)', () => {
    const path = join(FIXTURES, 'schema-versions.json')
    const {refused, unrecorded, updated} = checkLock(documents.map(({file, version, json}) => ({file, version, schema: json})), readJson(path) as SchemaLock)
    if (UPDATE) writeJson(path, updated)
    assert.deepEqual(refused, [])
    if (!UPDATE) assert.deepEqual(unrecorded, [])
  })

  test('the versioning rule: a shape change needs a bump, prose does not', () => {
    const schema = readSchema('results/stop.schema.json')
    const lock: SchemaLock = {'results/stop.schema.json': {version: 1, shape: shapeHash(schema)}}
    const check = (changed: JsonSchema, version = 1) => checkLock([{file: 'results/stop.schema.json', version, schema: changed}], lock)
    const properties = schema.properties as Record<string, JsonSchema>
    const withField = {...schema, properties: {...properties, extra: {type: 'string'}}}
    assert.match(check(withField).refused.join(), /changed shape but is still v1/)
    assert.match(check({...schema, required: ['name']}).refused.join(), /changed shape/)
    assert.deepEqual(check(withField, 2).refused, [])
    assert.match(check(withField, 2).unrecorded.join(), /went from v1 to v2/)
    assert.deepEqual(check({...schema, description: 'reworded', properties: {...properties, name: {...properties.name, description: 'reworded'}}}), {refused: [], unrecorded: [], updated: lock})
  })

  test('every schema uses only keywords the validator checks', () => {
    for (const {file, json} of documents) assert.deepEqual(checkKeywords(json as JsonSchema), [], file)
  })
})

describe('--json samples (test/fixtures/contracts/samples, from real runs: scripts/capture-contract-samples.mjs)', () => {
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'))
  const envelopes = files.map((file) => ({file, envelope: readJson(join(SAMPLES, file)) as {status: string; command: string}}))

  for (const {file, envelope} of envelopes) {
    test(`${file} validates against the envelope and its command's result schema`, () => assert.deepEqual(envelopeProblems(envelope), []))
  }

  test('every command has a successful sample', () => {
    const sampled = new Set(envelopes.filter((e) => e.envelope.status === 'ok').map((e) => e.envelope.command))
    assert.deepEqual(commandIds.filter((id) => !sampled.has(id)), [], 'capture samples of these with scripts/capture-contract-samples.mjs')
  })

  test('errors are sampled too', () => {
    assert.ok(envelopes.filter((e) => e.envelope.status === 'error').length >= 3)
  })

  test('status --watch --json lines validate against status-watch.schema.json', () => {
    const lines = readFileSync(join(SAMPLES, 'status-watch.ndjson'), 'utf8').trim().split('\n')
    assert.ok(lines.length >= 2)
    const schema = readSchema('status-watch.schema.json')
    for (const line of lines) assert.deepEqual(validate(JSON.parse(line), schema), [])
  })

  for (const file of readdirSync(join(SAMPLES, 'events'))) {
    test(`progress events of ${file} are CloudEvents that validate against progress-event.schema.json`, () => {
      const text = readFileSync(join(SAMPLES, 'events', file), 'utf8')
      assert.ok(text.trim().split('\n').length >= 3)
      assert.deepEqual(progressStreamProblems(text), [])
    })
  }

  test('the schemas are strict: a field too many, one missing or a wrong value fails', () => {
    const sample = readJson(join(SAMPLES, 'create.json'))
    assert.deepEqual(envelopeProblems(sample), [])
    const changed = (edit: (result: any) => void) => {
      const copy = structuredClone(sample)
      edit(copy.result)
      return envelopeProblems(copy).join('\n')
    }
    assert.match(changed((r) => (r.nodes[0].extra = 1)), /nodes\[0\]\.extra: not allowed/)
    assert.match(changed((r) => delete r.context), /\.context: required/)
    assert.match(changed((r) => (r.durationMs = -1)), /durationMs: must be at least 0/)
    assert.match(changed((r) => (r.nodes[0].state = 'exited')), /state: must be "running"/)
    assert.match(envelopeProblems({status: 'ok', command: 'create'}).join(), /result: required/)
    assert.match(envelopeProblems({status: 'error', command: 'create', error: {name: 'X', code: 'NOPE', message: 'm', exitCode: 1}}).join(), /code: must be one of/)
  })
})

describe('progress events', () => {
  const schema = readSchema('progress-event.schema.json')

  test('toCloudEvent makes events that validate, for every state, with and without a cluster', () => {
    for (const state of Object.keys(EVENT_TYPE_BY_STATE) as StepState[]) {
      for (const cluster of [undefined, 'dev']) {
        const event = toCloudEvent({type: 'progress', stepId: 'kubeadm-init', step: 'Initialise the control plane', state, message: 'm', elapsedMs: 12}, {operation: 'build node-image', cluster})
        assert.deepEqual(validate(JSON.parse(JSON.stringify(event)), schema), [], `${state} ${cluster}`)
      }
    }
  })

  test("the CLI's json-events renderer writes one valid event a line: started, progress, skipped, completed, failed", async () => {
    let text = ''
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        text += chunk.toString()
        callback()
      },
    })
    const steps: Step<undefined>[] = [
      {id: 'skipped', title: 'Skipped', skip: () => 'not needed', run: async () => {}},
      {id: 'reports', title: 'Reports', run: async (_ctx, step) => step.report('half way')},
      {id: 'fails', title: 'Fails', run: async () => Promise.reject(new KclusterError('TIMEOUT', 'too slow'))},
    ]
    await assert.rejects(createStepRunner('json-events', stream, {operation: 'create', cluster: 'dev'}).run(steps, undefined))
    assert.deepEqual(progressStreamProblems(text), [])
    const types = text.trim().split('\n').map((line) => JSON.parse(line).type)
    assert.deepEqual(types, ['skipped', 'started', 'progress', 'completed', 'started', 'failed'].map((t) => `dev.kcluster.step.${t}`))
  })

  test('a stream whose type and state disagree is refused', () => {
    const event = toCloudEvent({type: 'progress', stepId: 'a', step: 'A', state: 'done'}, {operation: 'create'})
    assert.match(progressStreamProblems(JSON.stringify({...event, type: EVENT_TYPE_BY_STATE.fail})).join(), /type .* does not match/)
  })
})
