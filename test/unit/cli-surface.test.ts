// The CLI as a person meets it: every command of kcluster shows examples in
// --help, and shell completion made by the real CLI completes commands and
// flags in real shells. Commands of plugins (autocomplete) are oclif's, not
// ours: they are checked only for being there.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'
import {Config} from '@oclif/core'
import {fishCompletion} from '../../src/cli/fish-completion.js'
import {packageRoot} from '../../src/images/paths.js'

const ROOT = packageRoot()
const CLI = join(ROOT, 'bin', 'run.js')
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {examples?: unknown[]; flags: Record<string, unknown>}>}
const scratch = mkdtempSync(join(tmpdir(), 'kcluster-completion-'))
after(() => rmSync(scratch, {recursive: true, force: true}))

/** The real CLI, its autocomplete cache in a scratch folder. */
function cli(args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], {encoding: 'utf8', env: {...process.env, XDG_CACHE_HOME: scratch, XDG_CONFIG_HOME: scratch}, stdio: ['ignore', 'pipe', 'pipe']})
}

function has(program: string): boolean {
  return spawnSync(program, ['--version'], {stdio: 'ignore'}).status === 0
}

describe('every kcluster command', () => {
  const ids = Object.keys(manifest.commands)

  test('the manifest lists the commands of src/commands', () => {
    for (const id of ['create', 'delete', 'list', 'prune', 'port:add', 'autocomplete:fish']) assert.ok(ids.includes(id), id)
  })

  test('has at least one example in --help', () => {
    const without = ids.filter((id) => (manifest.commands[id]!.examples ?? []).length === 0)
    assert.deepEqual(without, [])
  })

  test('takes --json and --quiet', () => {
    const missing = ids.filter((id) => !('json' in manifest.commands[id]!.flags && 'quiet' in manifest.commands[id]!.flags))
    assert.deepEqual(missing, [])
  })

  test('plugin commands load beside ours; they are oclif\'s and keep their own flags', async () => {
    const config = await Config.load(ROOT)
    const ours = config.commands.filter((c) => c.pluginName === 'kcluster').map((c) => c.id)
    assert.deepEqual(ours.sort(), [...ids].sort())
    const autocomplete = config.findCommand('autocomplete')
    assert.equal(autocomplete?.pluginName, '@oclif/plugin-autocomplete')
  })

  test('--help prints the examples', () => {
    const help = cli(['list', '--help'])
    assert.match(help, /EXAMPLES\n\s+\$ kcluster list\n/)
  })
})

describe('labels, selectors and ttl through the real CLI (refused before Docker is asked)', () => {
  const json = (args: string[]) => {
    const run = spawnSync(process.execPath, [CLI, ...args, '--json'], {encoding: 'utf8', env: {...process.env, DOCKER_HOST: 'unix:///nonexistent.sock'}})
    return {exit: run.status, envelope: JSON.parse(run.stdout)}
  }

  test('a bad --label or --ttl: exit 3, each field named', () => {
    const {exit, envelope} = json(['create', '--dry-run', '--name', 'ci', '--label', 'no-equals', '--label', 'ok=1', '--ttl', 'soon'])
    assert.equal(exit, 3)
    assert.deepEqual(envelope.error.details.problems.map((p: {field: string}) => p.field).sort(), ['label', 'ttl'])
  })

  test('a bad --selector of list, delete and prune: exit 3, field selector', () => {
    for (const command of ['list', 'delete', 'prune']) {
      const {exit, envelope} = json([command, '--selector', 'Bad Key=1'])
      assert.equal(exit, 3, command)
      assert.equal(envelope.error.details.problems[0].field, 'selector', command)
    }
  })

  test('delete --all and --selector together: a usage error', () => {
    assert.equal(json(['delete', '--all', '--selector', 'run=1']).exit, 2)
  })
})

describe('shell completion made by the real CLI', () => {
  test('`autocomplete bash` prints setup instructions', () => {
    const text = cli(['autocomplete', 'bash'])
    assert.match(text, /kcluster autocomplete script bash/)
    assert.match(text, /~\/\.bashrc/)
  })

  test('bash: kcluster cre<TAB> completes create, create --<TAB> its flags, port <TAB> the subcommands', () => {
    cli(['autocomplete', '--refresh-cache'])
    const setup = cli(['autocomplete', 'script', 'bash'])
    const script = `
${setup}
complete -p kcluster >/dev/null || exit 3
t() { COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _kcluster_autocomplete; echo "\${COMPREPLY[*]}"; }
t kcluster cre
t kcluster create --
t kcluster port ""
t kcluster delete --sel
t kcluster pr
`
    const lines = execFileSync('bash', ['--norc', '-c', script], {encoding: 'utf8'}).trim().split('\n')
    assert.equal(lines[0], 'create')
    for (const flag of ['--name', '--config', '--wait', '--label', '--ttl', '--json']) assert.ok(lines[1]!.split(' ').includes(flag), `create ${flag} in ${lines[1]}`)
    assert.deepEqual(lines[2]!.split(' ').sort(), ['add', 'list', 'remove'])
    assert.equal(lines[3], '--selector')
    assert.equal(lines[4], 'prune')
  })

  test('zsh: the completion function names every command', {skip: !has('zsh') && 'zsh is not installed'}, () => {
    cli(['autocomplete', '--refresh-cache'])
    const file = join(scratch, 'kcluster', 'autocomplete', 'functions', 'zsh', '_kcluster')
    execFileSync('zsh', ['-n', file])
    const text = readFileSync(file, 'utf8')
    for (const entry of ['"create[Create a Kubernetes cluster in Docker]"', '"prune[', '--selector']) assert.ok(text.includes(entry), entry)
  })

  test('autocomplete fish --json: the script and where fish looks for it', () => {
    const {result} = JSON.parse(cli(['autocomplete', 'fish', '--json']))
    assert.deepEqual(Object.keys(result).sort(), ['path', 'script', 'shell'])
    assert.equal(result.path, join(scratch, 'fish', 'completions', 'kcluster.fish'))
    assert.match(result.script, /^complete -c kcluster -n '__kcluster_at' -a 'create'/m)
  })

  test('fish: the script completes commands, subcommands and flags in fish', {skip: !has('fish') && 'fish is not installed'}, () => {
    const path = join(scratch, 'kcluster.fish')
    writeFileSync(path, cli(['autocomplete', 'fish']))
    const probe = (line: string) => execFileSync('fish', ['--no-config', '-c', `source ${path}; complete -C '${line}'`], {encoding: 'utf8'}).trim().split('\n').map((l) => l.split('\t')[0])
    assert.deepEqual(probe('kcluster cre'), ['create'])
    assert.ok(probe('kcluster create --').includes('--ttl'))
    assert.deepEqual(probe('kcluster port ').sort(), ['add', 'list', 'remove'])
    assert.deepEqual(probe('kcluster port add --protocol '), ['tcp', 'udp'])
    assert.ok(probe('kcluster create --name dev --la').includes('--label'), 'flags after a flag with a value')
  })
})

describe('fishCompletion', () => {
  const script = fishCompletion(
    'kc',
    [
      {id: 'create', summary: "Create a cluster, it's fast", flags: {name: {name: 'name', char: 'n', type: 'option', summary: 'Cluster name'}, retain: {name: 'retain', type: 'boolean'}, config: {name: 'config', type: 'option'}}},
      {id: 'port:add', summary: 'Publish a port', flags: {protocol: {name: 'protocol', type: 'option', options: ['tcp', 'udp']}}},
      {id: 'secret', hidden: true, flags: {}},
    ],
    {port: 'Ports'},
  )

  test('commands and topics at the top, subcommands under their topic, hidden ones left out', () => {
    assert.ok(script.includes("complete -c kc -n '__kc_at' -a 'create' -d 'Create a cluster, it\\'s fast'"))
    assert.ok(script.includes("complete -c kc -n '__kc_at' -a 'port' -d 'Ports'"))
    assert.ok(script.includes("complete -c kc -n '__kc_at port' -a 'add' -d 'Publish a port'"))
    assert.ok(!script.includes('secret'))
  })

  test('flags: boolean bare, options listed, paths as files, others take a value', () => {
    assert.ok(script.includes("complete -c kc -n '__kc_is create' -l name -s n -x -d 'Cluster name'"))
    assert.ok(script.includes("complete -c kc -n '__kc_is create' -l retain\n"))
    assert.ok(script.includes("complete -c kc -n '__kc_is create' -l config -r -F"))
    assert.ok(script.includes("complete -c kc -n '__kc_is port add' -l protocol -x -a 'tcp udp'"))
  })
})
