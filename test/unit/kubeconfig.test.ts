import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import yaml from 'js-yaml'
import {InvalidInputError, TimeoutError} from '../../src/errors/index.js'
import {
  listContextNames,
  mergeKubeconfig,
  parseAdminKubeconfig,
  readCurrentContext,
  readKubeconfig,
  removeFromKubeconfig,
  withFileLock,
  type ClusterAccess,
} from '../../src/kubeconfig/index.js'

let root: string
before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'kcluster-kubeconfig-test-'))
})
after(async () => {
  await fs.rm(root, {recursive: true, force: true})
})

let counter = 0
async function freshDir(): Promise<string> {
  const dir = path.join(root, `case-${++counter}`)
  await fs.mkdir(dir)
  return dir
}

function access(name: string, port = 6443): ClusterAccess {
  return {
    contextName: name,
    server: `https://127.0.0.1:${port}`,
    certificateAuthorityData: Buffer.from(`ca of ${name}`).toString('base64'),
    clientCertificateData: Buffer.from(`cert of ${name}`).toString('base64'),
    clientKeyData: Buffer.from(`key of ${name}`).toString('base64'),
  }
}

const EXISTING = `apiVersion: v1
kind: Config
preferences:
  colors: true
clusters:
- name: prod
  cluster:
    server: https://prod.example.com
    certificate-authority-data: UFJPRA==
users:
- name: prod-admin
  user:
    auth-provider:
      name: oidc
      config:
        expiry: 2024-01-01T00:00:00Z
        enabled: "yes"
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
    namespace: payments
current-context: prod
extensions:
- name: custom
  extension:
    anything: [1, 2, 3]
`

async function entriesOf(file: string) {
  const config = (await readKubeconfig(file))!
  const names = (key: string) => ((config[key] as {name: string}[] | undefined) ?? []).map((e) => e.name)
  return {config, clusters: names('clusters'), users: names('users'), contexts: names('contexts')}
}

async function tempFilesIn(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock') || f.endsWith('.break'))
}

describe('parseAdminKubeconfig', () => {
  const adminConf = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://kcluster-control-plane:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
`
  test('reads the cluster and user of a kubeadm admin.conf', () => {
    assert.deepEqual(parseAdminKubeconfig(adminConf), {
      server: 'https://kcluster-control-plane:6443',
      certificateAuthorityData: 'Q0E=',
      clientCertificateData: 'Q0VSVA==',
      clientKeyData: 'S0VZ',
    })
  })

  test('clear errors when malformed', () => {
    assert.throws(() => parseAdminKubeconfig('{{{'), (e: unknown) => e instanceof InvalidInputError && /not valid YAML/.test(e.message))
    assert.throws(() => parseAdminKubeconfig('apiVersion: v1\n'), (e: unknown) => e instanceof InvalidInputError && /clusters/.test(e.message) && /users/.test(e.message))
    assert.throws(
      () => parseAdminKubeconfig(adminConf.replace('    client-key-data: S0VZ\n', '')),
      (e: unknown) => e instanceof InvalidInputError && /client-key-data/.test(e.message),
    )
    assert.throws(() => parseAdminKubeconfig('- a list\n'), InvalidInputError)
  })
})

describe('mergeKubeconfig', () => {
  test('creates a missing file and directory with private modes', async () => {
    const dir = path.join(await freshDir(), 'nested', '.kube')
    const file = path.join(dir, 'config')
    await mergeKubeconfig(file, access('kcluster-dev'), {setCurrent: true})
    const {config, clusters, users, contexts} = await entriesOf(file)
    assert.deepEqual([clusters, users, contexts], [['kcluster-dev'], ['kcluster-dev'], ['kcluster-dev']])
    assert.equal(config['current-context'], 'kcluster-dev')
    assert.equal(config.apiVersion, 'v1')
    assert.equal(config.kind, 'Config')
    assert.deepEqual(config.clusters, [
      {name: 'kcluster-dev', cluster: {server: 'https://127.0.0.1:6443', 'certificate-authority-data': access('kcluster-dev').certificateAuthorityData}},
    ])
    assert.deepEqual(config.contexts, [{name: 'kcluster-dev', context: {cluster: 'kcluster-dev', user: 'kcluster-dev'}}])
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600)
    assert.equal((await fs.stat(dir)).mode & 0o777, 0o700)
    assert.deepEqual(await tempFilesIn(dir), [])
  })

  test('keeps other contexts and fields; current-context only changes when asked', async () => {
    const dir = await freshDir()
    const file = path.join(dir, 'config')
    await fs.writeFile(file, EXISTING)
    const before = yaml.load(EXISTING, {schema: yaml.CORE_SCHEMA}) as Record<string, unknown>

    await mergeKubeconfig(file, access('kcluster-a'), {setCurrent: false})
    let state = await entriesOf(file)
    assert.deepEqual(state.clusters, ['prod', 'kcluster-a'])
    assert.deepEqual(state.users, ['prod-admin', 'kcluster-a'])
    assert.deepEqual(state.contexts, ['prod', 'kcluster-a'])
    assert.equal(state.config['current-context'], 'prod')
    for (const key of ['preferences', 'extensions']) assert.deepEqual(state.config[key], before[key])
    assert.deepEqual((state.config.clusters as unknown[])[0], (before.clusters as unknown[])[0])
    assert.deepEqual((state.config.users as unknown[])[0], (before.users as unknown[])[0])
    assert.deepEqual((state.config.contexts as unknown[])[0], (before.contexts as unknown[])[0])
    // A timestamp-looking string stays a string for any YAML reader.
    const text = await fs.readFile(file, 'utf8')
    const reread = yaml.load(text) as {users: {user: {'auth-provider': {config: {expiry: unknown; enabled: unknown}}}}[]}
    assert.equal(reread.users[0]!.user['auth-provider'].config.expiry, '2024-01-01T00:00:00Z')
    assert.equal(reread.users[0]!.user['auth-provider'].config.enabled, 'yes')

    await mergeKubeconfig(file, access('kcluster-b'), {setCurrent: true})
    state = await entriesOf(file)
    assert.deepEqual(state.contexts, ['prod', 'kcluster-a', 'kcluster-b'])
    assert.equal(await readCurrentContext(file), 'kcluster-b')
    assert.deepEqual(await tempFilesIn(dir), [])
  })

  test('a second merge replaces the entries in place', async () => {
    const file = path.join(await freshDir(), 'config')
    await fs.writeFile(file, EXISTING)
    await mergeKubeconfig(file, access('kcluster-dev', 40000), {setCurrent: false})
    await mergeKubeconfig(file, access('other'), {setCurrent: false})
    await mergeKubeconfig(file, access('kcluster-dev', 40001), {setCurrent: true})
    const {config, clusters, users, contexts} = await entriesOf(file)
    assert.deepEqual(clusters, ['prod', 'kcluster-dev', 'other'])
    assert.deepEqual(users, ['prod-admin', 'kcluster-dev', 'other'])
    assert.deepEqual(contexts, ['prod', 'kcluster-dev', 'other'])
    const cluster = (config.clusters as {name: string; cluster: {server: string}}[]).find((c) => c.name === 'kcluster-dev')
    assert.equal(cluster?.cluster.server, 'https://127.0.0.1:40001')
    assert.equal(config['current-context'], 'kcluster-dev')
  })

  test('handles kubectl-style null lists', async () => {
    const file = path.join(await freshDir(), 'config')
    await fs.writeFile(file, 'apiVersion: v1\nkind: Config\nclusters: null\ncontexts: null\nusers: null\ncurrent-context: ""\npreferences: {}\n')
    await mergeKubeconfig(file, access('kcluster-x'), {setCurrent: false})
    const {contexts, config} = await entriesOf(file)
    assert.deepEqual(contexts, ['kcluster-x'])
    assert.equal(config['current-context'], '')
  })

  test('never overwrites a file that is not valid YAML', async () => {
    const dir = await freshDir()
    const file = path.join(dir, 'config')
    const garbage = 'clusters: [\n  - this: is: not yaml\n\t\u0000'
    await fs.writeFile(file, garbage)
    await assert.rejects(mergeKubeconfig(file, access('kcluster-x'), {setCurrent: true}), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError)
      assert.ok(error.message.includes(file), error.message)
      return true
    })
    await assert.rejects(removeFromKubeconfig(file, 'kcluster-x'), InvalidInputError)
    assert.equal(await fs.readFile(file, 'utf8'), garbage)
    assert.deepEqual(await tempFilesIn(dir), [])
  })

  test('never overwrites YAML that is not a kubeconfig', async () => {
    const file = path.join(await freshDir(), 'config')
    for (const text of ['- just\n- a list\n', 'clusters: {not: a list}\n']) {
      await fs.writeFile(file, text)
      await assert.rejects(mergeKubeconfig(file, access('kcluster-x'), {setCurrent: true}), InvalidInputError)
      assert.equal(await fs.readFile(file, 'utf8'), text)
    }
  })

  test('writes through a symlinked kubeconfig to its target', async () => {
    const dir = await freshDir()
    const target = path.join(dir, 'real-config')
    const link = path.join(dir, 'config')
    await fs.writeFile(target, EXISTING)
    await fs.symlink(target, link)
    await mergeKubeconfig(link, access('kcluster-l'), {setCurrent: false})
    assert.ok((await fs.lstat(link)).isSymbolicLink())
    assert.deepEqual(await listContextNames(target), ['prod', 'kcluster-l'])
  })

  test('20 concurrent merges from one process all survive', async () => {
    const dir = await freshDir()
    const file = path.join(dir, 'config')
    await fs.writeFile(file, EXISTING)
    const names = Array.from({length: 20}, (_, i) => `kcluster-p${i}`)
    await Promise.all(names.map((name, i) => mergeKubeconfig(file, access(name, 30000 + i), {setCurrent: i % 2 === 0})))
    const {clusters, users, contexts, config} = await entriesOf(file)
    for (const list of [clusters, contexts]) assert.deepEqual([...list].sort(), ['prod', ...names].sort())
    assert.deepEqual([...users].sort(), ['prod-admin', ...names].sort())
    assert.ok(names.includes(config['current-context'] as string))
    assert.deepEqual(await tempFilesIn(dir), [])
  })

  test('20 concurrent merges from child processes all survive', async () => {
    const dir = await freshDir()
    const file = path.join(dir, 'config')
    await fs.writeFile(file, EXISTING)
    const moduleUrl = new URL('../../src/kubeconfig/index.js', import.meta.url).href
    const names = Array.from({length: 20}, (_, i) => `kcluster-c${i}`)
    const script = `
      const {mergeKubeconfig} = await import(process.env.MODULE_URL)
      const name = process.env.CONTEXT_NAME
      await mergeKubeconfig(process.env.KUBECONFIG_FILE, {
        contextName: name, server: 'https://127.0.0.1:1234',
        certificateAuthorityData: 'Q0E=', clientCertificateData: 'Q0VSVA==', clientKeyData: 'S0VZ',
      }, {setCurrent: true})
    `
    const runChild = (name: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          env: {...process.env, MODULE_URL: moduleUrl, CONTEXT_NAME: name, KUBECONFIG_FILE: file},
          stdio: ['ignore', 'ignore', 'pipe'],
        })
        let stderr = ''
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        child.on('error', reject)
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child ${name} exited ${code}: ${stderr}`))))
      })
    await Promise.all(names.map(runChild))
    const {clusters, users, contexts, config} = await entriesOf(file)
    for (const list of [clusters, contexts]) assert.deepEqual([...list].sort(), ['prod', ...names].sort())
    assert.deepEqual([...users].sort(), ['prod-admin', ...names].sort())
    assert.ok(names.includes(config['current-context'] as string))
    assert.deepEqual(await tempFilesIn(dir), [])
  })
})

describe('removeFromKubeconfig', () => {
  test('removes only the named entries and unsets current-context when it pointed there', async () => {
    const dir = await freshDir()
    const file = path.join(dir, 'config')
    await fs.writeFile(file, EXISTING)
    await mergeKubeconfig(file, access('kcluster-a'), {setCurrent: false})
    await mergeKubeconfig(file, access('kcluster-b'), {setCurrent: true})

    assert.equal(await removeFromKubeconfig(file, 'kcluster-b'), true)
    let state = await entriesOf(file)
    assert.deepEqual([state.clusters, state.users, state.contexts], [['prod', 'kcluster-a'], ['prod-admin', 'kcluster-a'], ['prod', 'kcluster-a']])
    assert.ok(!('current-context' in state.config))
    assert.equal(await readCurrentContext(file), undefined)
    assert.deepEqual(state.config.extensions, [{name: 'custom', extension: {anything: [1, 2, 3]}}])

    await mergeKubeconfig(file, access('kcluster-b'), {setCurrent: false})
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')) + 'current-context: prod\n')
    assert.equal(await removeFromKubeconfig(file, 'kcluster-a'), true)
    state = await entriesOf(file)
    assert.deepEqual(state.contexts, ['prod', 'kcluster-b'])
    assert.equal(state.config['current-context'], 'prod')
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600)
    assert.deepEqual(await tempFilesIn(dir), [])
  })

  test('missing entry → false and the file is byte-identical', async () => {
    const file = path.join(await freshDir(), 'config')
    await fs.writeFile(file, EXISTING)
    const statBefore = await fs.stat(file)
    assert.equal(await removeFromKubeconfig(file, 'kcluster-nope'), false)
    assert.equal(await fs.readFile(file, 'utf8'), EXISTING)
    assert.equal((await fs.stat(file)).ino, statBefore.ino)
  })

  test('missing file → false, nothing created', async () => {
    const dir = await freshDir()
    assert.equal(await removeFromKubeconfig(path.join(dir, 'config'), 'kcluster-a'), false)
    assert.equal(await removeFromKubeconfig(path.join(dir, 'no', 'such', 'config'), 'kcluster-a'), false)
    assert.deepEqual(await fs.readdir(dir), [])
  })

  test('concurrent removes and merges do not lose entries', async () => {
    const file = path.join(await freshDir(), 'config')
    const keep = Array.from({length: 10}, (_, i) => `keep-${i}`)
    const drop = Array.from({length: 10}, (_, i) => `drop-${i}`)
    for (const name of drop) await mergeKubeconfig(file, access(name), {setCurrent: false})
    await Promise.all([
      ...keep.map((name) => mergeKubeconfig(file, access(name), {setCurrent: false})),
      ...drop.map((name) => removeFromKubeconfig(file, name)),
    ])
    assert.deepEqual((await listContextNames(file)).sort(), [...keep].sort())
  })
})

describe('withFileLock', () => {
  test('takes over a lock whose owner process is dead', async () => {
    const file = path.join(await freshDir(), 'config')
    // A pid far above pid_max cannot be alive.
    await fs.writeFile(`${file}.lock`, JSON.stringify({pid: 2 ** 30, host: os.hostname(), createdAt: Date.now(), token: 'x'}))
    const started = Date.now()
    assert.equal(await withFileLock(file, async () => 'ran', {timeoutMs: 2000}), 'ran')
    assert.ok(Date.now() - started < 1500)
    await assert.rejects(fs.stat(`${file}.lock`), {code: 'ENOENT'})
  })

  test('takes over a lock older than the stale limit', async () => {
    const file = path.join(await freshDir(), 'config')
    await fs.writeFile(`${file}.lock`, '') // client-go style: empty lock file
    const old = new Date(Date.now() - 60_000)
    await fs.utimes(`${file}.lock`, old, old)
    assert.equal(await withFileLock(file, async () => 'ran', {timeoutMs: 2000}), 'ran')
  })

  test('times out on a live lock, leaving it in place', async () => {
    const file = path.join(await freshDir(), 'config')
    const lock = JSON.stringify({pid: process.pid, host: os.hostname(), createdAt: Date.now(), token: 'other'})
    await fs.writeFile(`${file}.lock`, lock)
    await assert.rejects(withFileLock(file, async () => 'ran', {timeoutMs: 300}), (error: unknown) => {
      assert.ok(error instanceof TimeoutError)
      assert.match(error.message, /lock/)
      assert.match(error.remedy ?? '', /delete/)
      return true
    })
    assert.equal(await fs.readFile(`${file}.lock`, 'utf8'), lock)
  })

  test('keeps waiting past the timeout while the lock keeps changing hands', async () => {
    const file = path.join(await freshDir(), 'config')
    const lockPath = `${file}.lock`
    const holder = (token: string) => JSON.stringify({pid: process.pid, host: os.hostname(), createdAt: Date.now(), token})
    await fs.writeFile(lockPath, holder('h0'))
    // Other writers take turns for 3x the timeout, then the lock becomes free.
    const turns = (async () => {
      for (let i = 1; i <= 9; i++) {
        await new Promise((r) => setTimeout(r, 100))
        await fs.writeFile(lockPath, holder(`h${i}`))
      }
      await new Promise((r) => setTimeout(r, 100))
      await fs.rm(lockPath)
    })()
    const started = Date.now()
    assert.equal(await withFileLock(file, async () => 'ran', {timeoutMs: 300}), 'ran')
    assert.ok(Date.now() - started >= 900)
    await turns
  })

  test('releases the lock when the critical section throws', async () => {
    const file = path.join(await freshDir(), 'config')
    await assert.rejects(withFileLock(file, async () => {
      throw new Error('inside')
    }), /inside/)
    await assert.rejects(fs.stat(`${file}.lock`), {code: 'ENOENT'})
  })

  test('serialises critical sections', async () => {
    const file = path.join(await freshDir(), 'config')
    let inside = 0
    let maxInside = 0
    await Promise.all(
      Array.from({length: 10}, () =>
        withFileLock(file, async () => {
          inside++
          maxInside = Math.max(maxInside, inside)
          await new Promise((r) => setTimeout(r, 5))
          inside--
        }),
      ),
    )
    assert.equal(maxInside, 1)
  })
})
