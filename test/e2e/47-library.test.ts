// kcluster as a library, used the way an IDE plugin or a CI program uses it:
// `npm pack` of this package, installed into a throwaway npm project, driven
// by small .mjs scripts through `import … from 'kcluster'`. One real cluster
// goes through create → status → delete; a second create is aborted through
// its AbortSignal and must leave nothing behind.
import assert from 'node:assert/strict'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {after, before, describe, test} from 'node:test'
import {execa} from 'execa'
import {validate, type JsonSchema} from '../contracts/validator.js'
import {clusterResources, docker, kcluster, ROOT, tempDir} from './helpers.js'

const NAME = 'lib-e2e'
const ABORTED = 'lib-e2e-abort'
const ORIGINAL = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: ""\npreferences: {}\n'
const EVENT_TYPE = /^dev\.kcluster\.step\.(started|progress|completed|skipped|failed)$/

/** create → status → delete, printing each event on stderr and everything on stdout at the end. */
const LIFECYCLE_SCRIPT = `
import {clusterStatus, createCluster, deleteCluster} from 'kcluster'
const [name, kubeconfig] = process.argv.slice(2)
const events = []
const onEvent = (event) => {
  events.push(event)
  process.stderr.write(\`\${event.data.stepId} \${event.data.state}\${event.data.message ? ': ' + event.data.message : ''}\\n\`)
}
const created = await createCluster({name, kubeconfig, wait: '3m', onEvent})
const status = await clusterStatus({name, kubeconfig})
const deleted = await deleteCluster({name, kubeconfig})
process.stdout.write(JSON.stringify({created, status, deleted, events}))
`

/** A create cancelled through its signal as soon as kubeadm init starts: the containers exist by then. */
const ABORT_SCRIPT = `
import {createCluster, InterruptedError, KclusterError} from 'kcluster'
const [name, kubeconfig] = process.argv.slice(2)
const events = []
const controller = new AbortController()
let abortedAt
const onEvent = (event) => {
  events.push(event)
  if (event.data.stepId === 'kubeadm-init' && event.data.state === 'start') {
    abortedAt = Date.now()
    controller.abort()
  }
}
try {
  await createCluster({name, kubeconfig, signal: controller.signal, onEvent})
  process.stdout.write(JSON.stringify({created: true, events}))
} catch (error) {
  const {code, exitCode} = error
  process.stdout.write(JSON.stringify({error: {name: error.name, code, exitCode, interrupted: error instanceof InterruptedError, kcluster: error instanceof KclusterError}, abortedAt, rejectedAt: Date.now(), events}))
}
`

/** Compiled against the installed package: the types must be there and mean something. */
const TYPES_CHECK = `
import {clusterStatus, createCluster, deleteCluster, KclusterError, type CreateResult, type ProgressCloudEvent} from 'kcluster'
export async function run(signal: AbortSignal): Promise<string> {
  const created: CreateResult = await createCluster({name: 'x', signal, onEvent: (event: ProgressCloudEvent) => void event.data.stepId})
  const status = await clusterStatus({name: created.name})
  // @ts-expect-error: health is a string union, not a number
  const health: number = status.health
  // @ts-expect-error: options are checked, misspellings included
  await deleteCluster({nmae: 'x'})
  try {
    await deleteCluster({name: 'x'})
  } catch (error) {
    if (error instanceof KclusterError) return \`\${error.code} \${error.exitCode}\`
  }
  return String(health)
}
`

/** Packages other than Node's that the declarations reachable from `entry` import. */
function foreignTypeImports(entry: string): string[] {
  const seen = new Set<string>()
  const foreign = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const match of readFileSync(file, 'utf8').matchAll(/\bfrom\s+'([^']+)'|import\('([^']+)'\)/g)) {
      const target = (match[1] ?? match[2])!
      if (target.startsWith('.')) visit(resolve(dirname(file), target.replace(/\.js$/, '.d.ts')))
      else if (!target.startsWith('node:')) foreign.add(`${relative(dirname(entry), file)}: ${target}`)
    }
  }
  visit(entry)
  return [...foreign]
}

describe('kcluster as a library in another npm project', {timeout: 30 * 60_000}, () => {
  const consumer = tempDir('kcluster-e2e-consumer-')
  const packDir = tempDir('kcluster-e2e-pack-')
  let packedFiles: string[] = []

  /** A JSON Schema as the installed package ships it. */
  const shippedSchema = (file: string): JsonSchema => JSON.parse(readFileSync(join(consumer, 'node_modules/kcluster/schemas', file), 'utf8'))

  async function runScript(script: string, name: string, kubeconfig: string): Promise<any> {
    const file = join(consumer, `${name}.mjs`)
    writeFileSync(file, script)
    const run = await execa(process.execPath, [file, name, kubeconfig], {cwd: consumer, reject: false})
    assert.equal(run.exitCode, 0, `${name}.mjs failed:\n${run.stderr.slice(-4000)}`)
    return JSON.parse(run.stdout)
  }

  before(async () => {
    const scratch = join(tempDir('kcluster-e2e-pre-'), 'config')
    for (const name of [NAME, ABORTED]) await kcluster(['delete', '--name', name, '--kubeconfig', scratch])
    // --ignore-scripts: the prepare script would rebuild (and first delete) the dist/ these tests run from.
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], {cwd: ROOT})
    const [packed] = JSON.parse(pack.stdout) as {filename: string; files: {path: string}[]}[]
    packedFiles = packed!.files.map((f) => f.path)
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({name: 'kcluster-consumer', private: true, type: 'module'}))
    // --ignore-scripts: the only install scripts below kcluster build optional native add-ons of ssh2
    // (Docker over SSH), which take most of the install's time and are not needed for a local engine.
    const started = Date.now()
    await execa('npm', ['install', join(packDir, packed!.filename), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {cwd: consumer})
    console.error(`# npm install of the packed kcluster into the consumer took ${((Date.now() - started) / 1000).toFixed(1)}s`)
  })

  after(async () => {
    const scratch = join(tempDir('kcluster-e2e-post-'), 'config')
    for (const name of [NAME, ABORTED]) await kcluster(['delete', '--name', name, '--kubeconfig', scratch])
    rmSync(consumer, {recursive: true, force: true})
    rmSync(packDir, {recursive: true, force: true})
  })

  test('the package carries the built library with its types, and none of the tests', () => {
    for (const file of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/api/clusters.d.ts', 'dist/src/errors/index.d.ts', 'package.json', 'images/dockerfiles/node.Dockerfile', 'templates/node/entrypoint.sh']) {
      assert.ok(packedFiles.includes(file), `${file} is packed`)
    }
    assert.deepEqual(packedFiles.filter((f) => f.startsWith('dist/test/') || f.startsWith('src/') || f.startsWith('test/')), [])
  })

  test('TypeScript in the consumer sees the types from the installed package', async () => {
    writeFileSync(join(consumer, 'check.ts'), TYPES_CHECK)
    const compilerOptions = {module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', strict: true, noEmit: true, skipLibCheck: true, typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node']}
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({compilerOptions, files: ['check.ts']}))
    const tsc = await execa(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', consumer], {reject: false})
    assert.equal(tsc.exitCode, 0, tsc.stdout + tsc.stderr)
    // The declarations stand on their own, so a consumer checking them (no skipLibCheck) needs no @types of our dependencies.
    assert.deepEqual(foreignTypeImports(join(consumer, 'node_modules/kcluster/dist/src/index.d.ts')), [])
  })

  test('the installed copy names the node image this checkout built: the consumer builds nothing', async () => {
    const reference = async (root: string) => {
      const images = await import(pathToFileURL(join(root, 'dist/src/images/index.js')).href)
      const {DEFAULT_KUBERNETES_VERSION} = await import(pathToFileURL(join(root, 'dist/src/config/kubernetes-version.js')).href)
      return images.imageReference(images.nodeImageRecipe(DEFAULT_KUBERNETES_VERSION)) as string
    }
    const installed = await reference(join(consumer, 'node_modules/kcluster'))
    assert.equal(installed, await reference(ROOT))
    await docker.getImage(installed).inspect()
  })

  test('create → status → delete through the library, with the CLI progress events', async () => {
    const kubeconfig = join(tempDir('kcluster-e2e-lib-'), 'config')
    writeFileSync(kubeconfig, ORIGINAL)
    const {created, status, deleted, events} = await runScript(LIFECYCLE_SCRIPT, NAME, kubeconfig)
    console.error(`# library create of ${NAME}: ${(created.durationMs / 1000).toFixed(1)}s, ${events.length} events`)

    // The library returns what the CLI's --json returns, and hands out the events it prints: the shipped schemas hold for both.
    assert.deepEqual(validate(created, shippedSchema('results/create.schema.json'), '$.created'), [])
    assert.deepEqual(validate(status, shippedSchema('results/status.schema.json'), '$.status'), [])
    const eventSchema = shippedSchema('progress-event.schema.json')
    assert.deepEqual(events.flatMap((event: unknown, i: number) => validate(event, eventSchema, `events[${i}]`)), [])
    assert.equal(created.name, NAME)
    assert.equal(created.context, `kcluster-${NAME}`)
    assert.equal(created.imageBuilt, false)
    for (const event of events) {
      assert.equal(event.specversion, '1.0')
      assert.match(event.type, EVENT_TYPE)
      assert.equal(event.source, 'kcluster/create')
      assert.equal(event.subject, NAME)
    }
    assert.equal(new Set(events.map((e: any) => e.id)).size, events.length, 'each event has its own id')
    const started = events.filter((e: any) => e.type === 'dev.kcluster.step.started').map((e: any) => e.data.stepId)
    const completed = events.filter((e: any) => e.type === 'dev.kcluster.step.completed').map((e: any) => e.data.stepId)
    assert.deepEqual(completed, started)
    for (const step of ['provision-nodes', 'kubeadm-init', 'install-pod-network', 'wait-ready', 'write-kubeconfig']) assert.ok(started.includes(step), `${step} ran`)
    assert.ok(!events.some((e: any) => e.type === 'dev.kcluster.step.failed'))

    assert.equal(status.health, 'healthy', status.problems.join('; '))
    assert.equal(status.exitCode, 0)
    assert.equal(status.kubeconfig.present, true)

    assert.equal(deleted.existed, true)
    assert.equal(deleted.kubeconfigEntryRemoved, true)
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
    assert.doesNotMatch(readFileSync(kubeconfig, 'utf8'), new RegExp(`kcluster-${NAME}`))
  })

  test('aborting the signal when kubeadm init starts rejects with InterruptedError and leaves nothing behind', async () => {
    const kubeconfig = join(tempDir('kcluster-e2e-lib-abort-'), 'config')
    writeFileSync(kubeconfig, ORIGINAL)
    const {error, abortedAt, rejectedAt, events} = await runScript(ABORT_SCRIPT, ABORTED, kubeconfig)
    assert.deepEqual(error, {name: 'InterruptedError', code: 'INTERRUPTED', exitCode: 130, interrupted: true, kcluster: true})
    const eventSchema = shippedSchema('progress-event.schema.json')
    assert.deepEqual(events.flatMap((event: unknown, i: number) => validate(event, eventSchema, `events[${i}]`)), [])
    const rollback = events.filter((e: any) => e.data.stepId === 'rollback')
    const landedMs = Date.parse(rollback[0]?.time) - abortedAt
    console.error(`# abort → rollback starts: ${(landedMs / 1000).toFixed(1)}s; abort → rejection: ${((rejectedAt - abortedAt) / 1000).toFixed(1)}s`)
    // kubeadm init takes tens of seconds: an abort that waited for it to finish would be no abort.
    assert.ok(landedMs < 10_000, `the abort took ${landedMs}ms to stop kubeadm init`)
    assert.equal(rollback.at(-1)?.type, 'dev.kcluster.step.completed')
    // The rollback found the node container, the volume and the network the create had made.
    assert.match(rollback.find((e: any) => e.data.state === 'info')?.data.message ?? '', /removed [1-9]\d* container\(s\), [1-9]\d* volume\(s\), 1 network\(s\)/)
    assert.ok(!events.some((e: any) => e.data.stepId === 'install-pod-network'), 'nothing ran after the abort')
    assert.deepEqual(await clusterResources(ABORTED), {containers: 0, networks: 0, volumes: 0})
    assert.equal(readFileSync(kubeconfig, 'utf8'), ORIGINAL)
  })
})
