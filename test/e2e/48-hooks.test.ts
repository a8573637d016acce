// Lifecycle hooks end to end: a cluster whose config declares a hook for every
// event, and a hooks folder (through XDG_CONFIG_HOME) with an executable for
// every event, goes through create, stop, start and delete. Each hook appends
// what it was told to one log; kubectl reaches the new cluster from inside the
// post-create hook. Then a post-create hook that hangs: it times out, is
// killed with what it started, and the create is rolled back.
import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {clusterResources, docker, kcluster, kubectlFromImage, tempDir} from './helpers.js'

const NAME = 'hooks-e2e'
const EVENTS = ['post-create', 'pre-stop', 'post-start', 'pre-delete', 'post-delete'] as const

/** Dead, or a zombie that the container's init does not reap. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z'
  } catch {
    return false
  }
}

/** kubectl of the newest node image, so the test needs none on the host. */
async function kubectlBinary(): Promise<string> {
  const images = await docker.listImages({filters: {reference: ['kcluster/node']}})
  const newest = images.sort((a, b) => b.Created - a.Created)[0]?.RepoTags?.[0]
  assert.ok(newest, 'a kcluster node image exists (test/e2e/00-node-image builds it)')
  return kubectlFromImage(newest)
}

describe('lifecycle hooks', {timeout: 20 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-hooks-')
  const kubeconfig = join(dir, 'kubeconfig')
  const log = join(dir, 'hooks.log')
  const env = {XDG_CONFIG_HOME: join(dir, 'xdg')}
  // One line a hook: who, the event, and what the environment says.
  const line = (who: string) => `echo "${who} $KCLUSTER_EVENT $KCLUSTER_CLUSTER $KCLUSTER_CONTEXT $KCLUSTER_SERVER $KUBECONFIG" >> ${log}`

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig], env)
    for (const event of EVENTS) {
      const folder = join(env.XDG_CONFIG_HOME, 'kcluster', 'hooks', `${event}.d`)
      mkdirSync(folder, {recursive: true})
      writeFileSync(join(folder, '50-log'), `#!/bin/sh\n${line('folder')}\n`)
      chmodSync(join(folder, '50-log'), 0o755)
    }
  })

  after(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig], {...env, XDG_CONFIG_HOME: join(dir, 'none')})
  })

  test('create → stop → start → delete: every event once, in order, config hooks before the folder\'s, with the documented env and stdin', async () => {
    const kubectl = await kubectlBinary()
    const config = join(dir, 'cluster.yaml')
    // Each event: a shell string that logs and keeps its stdin; post-create also an argv list that uses kubectl.
    const smoke = `    - name: smoke\n      command: [sh, -c, 'echo hello from the hook; ${kubectl} --context "$KCLUSTER_CONTEXT" get nodes -o name > ${join(dir, 'nodes.txt')}']\n`
    const hooks = EVENTS.map((event) => `  ${event}:\n    - name: log\n      command: '${line('config')}; cat > ${join(dir, `${event}.json`)}'\n${event === 'post-create' ? smoke : ''}`).join('')
    writeFileSync(config, `apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nname: ${NAME}\nhooks:\n${hooks}`)

    const created = await kcluster(['create', '--config', config, '--kubeconfig', kubeconfig, '--wait', '3m'], env)
    assert.equal(created.exitCode, 0, JSON.stringify(created.envelope.error) + created.stderr.slice(-3000))
    const result = created.envelope.result
    assert.deepEqual(result.hooks.map((h: any) => [h.source, h.name, h.failed]), [['config', 'log', false], ['config', 'smoke', false], ['directory', '50-log', false]])
    // The hook's output is progress of its own step.
    const events = created.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    assert.ok(events.some((e) => e.data.stepId === 'hook:post-create:smoke' && e.data.message === 'hello from the hook'), 'the hook\'s output line is a progress event')
    assert.equal(readFileSync(join(dir, 'nodes.txt'), 'utf8').trim(), `node/${NAME}-control-plane`)

    for (const args of [['stop'], ['start', '--wait', '3m'], ['delete']]) {
      const out = await kcluster([...args, '--name', NAME, '--kubeconfig', kubeconfig], env)
      assert.equal(out.exitCode, 0, `${args[0]}: ${JSON.stringify(out.envelope.error)}${out.stderr.slice(-3000)}`)
    }

    const said = `${NAME} kcluster-${NAME} ${result.server} ${kubeconfig}`
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
      `config post-create ${said}`,
      `folder post-create ${said}`,
      `config pre-stop ${said}`,
      `folder pre-stop ${said}`,
      `config post-start ${said}`,
      `folder post-start ${said}`,
      `config pre-delete ${said}`,
      `folder pre-delete ${said}`,
      `config post-delete ${said}`,
      `folder post-delete ${said}`,
    ])

    const stdin = (event: string) => JSON.parse(readFileSync(join(dir, `${event}.json`), 'utf8'))
    assert.equal(stdin('post-create').server, result.server)
    assert.deepEqual(stdin('post-create').nodes.map((n: any) => n.containerName), [`kcluster.${NAME}.control-plane`])
    assert.deepEqual(stdin('pre-stop').containers.map((c: any) => [c.containerName, c.state]), [[`kcluster.${NAME}.control-plane`, 'running']])
    assert.deepEqual(stdin('post-start').started, [`kcluster.${NAME}.control-plane`])
    assert.equal(stdin('pre-delete').name, NAME)
    assert.equal(stdin('post-delete').deleted[0].existed, true)
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
  })

  test('a post-create hook that hangs times out with its name and timeout, is killed with its children, and the create rolls back', async () => {
    const pidFile = join(dir, 'hang.pid')
    const config = join(dir, 'hang.yaml')
    writeFileSync(config, `apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nname: ${NAME}\nhooks:\n  post-create:\n    - name: hang\n      command: 'sleep 600 & echo $! > ${pidFile}; wait'\n      timeout: 3s\n`)
    const out = await kcluster(['create', '--config', config, '--kubeconfig', kubeconfig, '--wait', '0'], {XDG_CONFIG_HOME: join(dir, 'none')})
    assert.equal(out.exitCode, 7, out.stderr.slice(-3000))
    assert.equal(out.envelope.error!.code, 'TIMEOUT')
    assert.match(out.envelope.error!.message, /^hook post-create:hang did not finish within its timeout of 3s and was killed/)
    assert.match(out.envelope.error!.remedy!, /hooks\.post-create\[0\]\.timeout/)
    assert.deepEqual(await clusterResources(NAME), {containers: 0, networks: 0, volumes: 0})
    assert.ok(!alive(Number(readFileSync(pidFile, 'utf8'))), 'what the hook started was killed with it')
  })
})
