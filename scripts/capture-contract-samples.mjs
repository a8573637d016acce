// Runs every command once with --json against a real cluster made for the
// purpose and writes what it printed under test/fixtures/contracts/samples/,
// where a unit test holds each sample to the shipped schemas. Run it (after
// `npm run build`) when a command or its result changes; it takes a few
// minutes, creates one 1-node cluster and deletes it again.
//   node scripts/capture-contract-samples.mjs [cluster name]
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

const NAME = process.argv[2] ?? 'contracts-samples'
const OUT = 'test/fixtures/contracts/samples'
const WORK = `/tmp/kcluster-${NAME}`
const KUBECONFIG = join(WORK, 'kubeconfig')
const CLI = ['bin/run.js']

rmSync(WORK, {recursive: true, force: true})
mkdirSync(WORK, {recursive: true})
mkdirSync(join(OUT, 'events'), {recursive: true})

// Credentials of a throwaway cluster still look like secrets to scanners.
const redact = (text) => text.replace(/((?:certificate-authority|client-certificate|client-key)-data:) \S+/g, '$1 REDACTED')

function kcluster(args, {expectExit = 0, env = {}} = {}) {
  const run = spawnSync(process.execPath, [...CLI, ...args, '--json'], {encoding: 'utf8', env: {...process.env, CI: 'true', ...env}})
  if (run.status !== expectExit) throw new Error(`kcluster ${args.join(' ')} exited ${run.status}, expected ${expectExit}:\n${run.stdout}\n${run.stderr.slice(-3000)}`)
  return {stdout: run.stdout, stderr: run.stderr, envelope: JSON.parse(run.stdout)}
}

function sample(file, args, options) {
  const run = kcluster(args, options)
  writeFileSync(join(OUT, file), redact(run.stdout))
  console.log(`${file}: kcluster ${args.join(' ')}`)
  return run
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function events(file, run) {
  writeFileSync(join(OUT, 'events', file), run.stderr)
}

const name = ['--name', NAME]
const config = join(WORK, 'cluster.yaml')
// A port published at create, so `port list` shows both kinds.
writeFileSync(config, `apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nnodes:\n  - role: control-plane\n    extraPortMappings:\n      - containerPort: 30080\n`)

kcluster(['delete', ...name, '--kubeconfig', KUBECONFIG])
sample('version.json', ['version'])
sample('autocomplete-fish.json', ['autocomplete', 'fish'])
sample('create.dry-run.json', ['create', '--dry-run', '--config', 'test/fixtures/config/valid/v1alpha1-every-field.yaml', '--kubeconfig', KUBECONFIG])
sample('create.dry-run-ha.json', ['create', '--dry-run', '--config', 'test/fixtures/config/valid/v1alpha1-ha.yaml', '--kubeconfig', KUBECONFIG])
sample('create.invalid-config.json', ['create', '--config', 'test/fixtures/config/invalid/many-problems.yaml'], {expectExit: 3})
const proxy = 'http://user:secret@proxy.example:3128'
sample('create.dry-run-proxy.json', ['create', '--dry-run', ...name, '--kubeconfig', KUBECONFIG], {env: {HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: '', https_proxy: '', NO_PROXY: '', no_proxy: ''}})
sample('doctor.json', ['doctor', '--nodes', '2'])
{
  // A host port this script holds, in a config that asks for it: doctor fails, exit 14.
  const holder = createServer()
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve))
  const takenConfig = join(WORK, 'taken-port.yaml')
  writeFileSync(takenConfig, `apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nnodes:\n  - role: control-plane\n    extraPortMappings:\n      - containerPort: 30080\n        hostPort: ${holder.address().port}\n`)
  sample('doctor.taken-port.json', ['doctor', '--config', takenConfig], {expectExit: 14})
  await new Promise((resolve) => holder.close(resolve))
}
try {
  // Labelled, and expired at once, so list shows both and prune names it (in a dry run).
  events('create.ndjson', sample('create.json', ['create', ...name, '--config', config, '--label', 'sample=contracts', '--ttl', '1s', '--kubeconfig', KUBECONFIG]))
  sample('create.exists.json', ['create', ...name, '--kubeconfig', KUBECONFIG], {expectExit: 6})
  sample('list.json', ['list'])
  sample('status.json', ['status', ...name, '--kubeconfig', KUBECONFIG])

  const watch = spawn(process.execPath, [...CLI, 'status', '--watch', '--json', '--interval', '1s', ...name, '--kubeconfig', KUBECONFIG], {stdio: ['ignore', 'pipe', 'inherit']})
  let lines = ''
  watch.stdout.on('data', (chunk) => (lines += chunk))
  await sleep(4000)
  kcluster(['stop', ...name])
  await sleep(3000)
  watch.kill('SIGINT')
  await new Promise((resolve) => watch.on('exit', resolve))
  writeFileSync(join(OUT, 'status-watch.ndjson'), lines)
  console.log('status-watch.ndjson: kcluster status --watch (running, then stopped)')
  sample('status.stopped.json', ['status', ...name, '--kubeconfig', KUBECONFIG], {expectExit: 10})
  events('start.ndjson', sample('start.json', ['start', ...name, '--kubeconfig', KUBECONFIG]))
  sample('stop.json', ['stop', ...name])
  sample('stop.already.json', ['stop', ...name])
  kcluster(['start', ...name, '--kubeconfig', KUBECONFIG])

  sample('get-kubeconfig.json', ['get', 'kubeconfig', ...name])
  sample('get-kubeconfig.internal.json', ['get', 'kubeconfig', ...name, '--internal'])
  sample('export-kubeconfig.json', ['export', 'kubeconfig', ...name, '--kubeconfig', KUBECONFIG])
  sample('port-add.json', ['port', 'add', `${await freePort()}:30081`, ...name])
  const added = kcluster(['port', 'list', ...name])
  writeFileSync(join(OUT, 'port-list.json'), added.stdout)
  console.log('port-list.json: kcluster port list')
  const hostPort = added.envelope.result.ports.find((p) => p.source === 'port add').hostPort
  sample('port-remove.json', ['port', 'remove', String(hostPort), ...name])
  sample('port-remove.absent.json', ['port', 'remove', String(hostPort), ...name])
  sample('port-add.invalid.json', ['port', 'add', '8080', ...name], {expectExit: 3})

  const pause = spawnSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'kcluster/pause'], {encoding: 'utf8'}).stdout.split('\n')[0]
  sample('load-image.json', ['load', 'image', pause, ...name])
  sample('export-logs.json', ['export', 'logs', WORK, ...name])
  sample('addons-list.json', ['addons', 'list', ...name])
  sample('addons-disable.json', ['addons', 'disable', 'storage', ...name])
  sample('addons-disable.already.json', ['addons', 'disable', 'storage', ...name])
  sample('addons-enable.json', ['addons', 'enable', 'storage', ...name])
  sample('addons-enable.unknown.json', ['addons', 'enable', 'storag', ...name], {expectExit: 3})
  events('build-node-image.ndjson', sample('build-node-image.json', ['build', 'node-image']))
  sample('prune.dry-run.json', ['prune', '--dry-run', '--selector', 'sample=contracts', '--kubeconfig', KUBECONFIG])
} finally {
  sample('delete.json', ['delete', ...name, '--kubeconfig', KUBECONFIG])
}
sample('delete.absent.json', ['delete', ...name, '--kubeconfig', KUBECONFIG])
sample('status.missing.json', ['status', ...name, '--kubeconfig', KUBECONFIG], {expectExit: 5})
