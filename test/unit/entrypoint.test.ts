// The node entrypoint's decisions, run by bash against stand-in commands.
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {execa} from 'execa'
import {packageRoot} from '../../src/images/paths.js'

const ENTRYPOINT = join(packageRoot(), 'templates/node/entrypoint.sh')
const DOCKER_DNS_RULES = [
  '*nat',
  ':DOCKER_OUTPUT - [0:0]',
  '-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT',
  '-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:39513',
  '-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:57125',
  'COMMIT',
].join('\n')

/** A folder of stand-in commands; each prints its given output and logs its arguments. */
function fakeCommands(outputs: Record<string, string>): {dir: string; calls: () => string[]} {
  const dir = mkdtempSync(join(tmpdir(), 'kcluster-entrypoint-'))
  const log = join(dir, 'calls.log')
  writeFileSync(log, '')
  for (const [name, output] of Object.entries(outputs)) {
    writeFileSync(join(dir, name), `#!/bin/bash\necho "${name} $*" >> ${log}\ncat <<'OUT'\n${output}\nOUT\n`)
    chmodSync(join(dir, name), 0o755)
  }
  return {dir, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean)}
}

/** Sources the entrypoint (functions only) under `set -euo pipefail` and runs a snippet. */
function runWith(commands: {dir: string}, snippet: string) {
  return execa('bash', ['-c', `set -euo pipefail; source ${ENTRYPOINT}; ${snippet}; echo survived`], {env: {PATH: `${commands.dir}:/usr/bin:/bin`}, reject: false})
}

const quietDefaults = {'update-alternatives': '', sysctl: '', 'ip6tables-legacy-save': '', 'ip6tables-nft-save': '', ip: ''}

describe('node entrypoint', () => {
  test('picks the iptables backend holding the rules (legacy here)', async () => {
    const commands = fakeCommands({...quietDefaults, 'iptables-legacy-save': DOCKER_DNS_RULES, 'iptables-nft-save': '# Warning: iptables-legacy tables present'})
    const result = await runWith(commands, 'select_iptables_backend')
    assert.equal(result.exitCode, 0, result.stderr)
    assert.ok(commands.calls().includes('update-alternatives --set iptables /usr/sbin/iptables-legacy'), commands.calls().join('\n'))
    assert.match(result.stderr, /backend: legacy \(rules seen: legacy 3, nft 0\)/)
  })

  test('picks nft when the rules are there, and when neither backend answers', async () => {
    const nft = fakeCommands({...quietDefaults, 'iptables-legacy-save': '', 'iptables-nft-save': DOCKER_DNS_RULES})
    await runWith(nft, 'select_iptables_backend')
    assert.ok(nft.calls().includes('update-alternatives --set iptables /usr/sbin/iptables-nft'))
    const none = fakeCommands(quietDefaults)
    const result = await runWith(none, 'select_iptables_backend')
    assert.match(result.stdout, /survived/)
    assert.ok(none.calls().includes('update-alternatives --set ip6tables /usr/sbin/ip6tables-nft'))
  })

  test('redirects pod DNS to Docker’s resolver through the node address, on the ports Docker uses', async () => {
    const commands = fakeCommands({...quietDefaults, 'iptables-save': DOCKER_DNS_RULES, iptables: '', ip: '42: eth0    inet 172.30.0.10/24 brd 172.30.0.255 scope global eth0'})
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-resolv-'))
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.11\noptions ndots:0\n')
    const result = await runWith(commands, `redirect_docker_dns ${dir}/resolv.conf ${dir}/out/resolv.conf`)
    assert.equal(result.exitCode, 0, result.stderr)
    assert.equal(readFileSync(join(dir, 'out/resolv.conf'), 'utf8'), 'nameserver 172.30.0.10\n')
    const calls = commands.calls()
    // Pods come in through PREROUTING; the node's own host-network processes go out through OUTPUT.
    for (const chain of ['PREROUTING', 'OUTPUT']) {
      assert.ok(calls.includes(`iptables -t nat -I ${chain} -d 172.30.0.10 -p udp --dport 53 -j DNAT --to-destination 127.0.0.11:57125`), calls.join('\n'))
      assert.ok(calls.includes(`iptables -t nat -I ${chain} -d 172.30.0.10 -p tcp --dport 53 -j DNAT --to-destination 127.0.0.11:39513`))
    }
  })

  test('Docker’s DNS rules out of sight (other backend): the node still boots, and says why', async () => {
    const commands = fakeCommands({...quietDefaults, 'iptables-save': '# no rules here', iptables: '', ip: '42: eth0    inet 172.30.0.10/24 brd 172.30.0.255 scope global eth0'})
    const dir = mkdtempSync(join(tmpdir(), 'kcluster-resolv-'))
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.11\nnameserver 192.0.2.53\n')
    const result = await runWith(commands, `redirect_docker_dns ${dir}/resolv.conf ${dir}/out/resolv.conf`)
    assert.equal(result.exitCode, 0, result.stderr)
    assert.match(result.stdout, /survived/)
    assert.match(result.stderr, /DNS rules are not visible/)
    assert.equal(readFileSync(join(dir, 'out/resolv.conf'), 'utf8'), 'nameserver 192.0.2.53\n')
    assert.ok(!commands.calls().some((c) => c.startsWith('iptables -t nat -I')))
  })

  test('masquerades what pods send to the node network, from its own subnet only', async () => {
    const commands = fakeCommands({...quietDefaults, ip: '2: eth0    inet 172.30.0.100/24 brd 172.30.0.255 scope global eth0', iptables: ''})
    const result = await runWith(commands, 'masquerade_to_node_network')
    assert.match(result.stdout, /survived/)
    assert.deepEqual(commands.calls().filter((c) => c.startsWith('iptables')), ['iptables -t nat -A POSTROUTING -o eth0 -d 172.30.0.100/24 ! -s 172.30.0.100/24 -j MASQUERADE'])
  })

  test('without an address on eth0 it says so and boots on', async () => {
    const commands = fakeCommands({...quietDefaults, iptables: ''})
    const result = await runWith(commands, 'masquerade_to_node_network')
    assert.match(result.stdout, /survived/)
    assert.match(result.stderr, /not masqueraded/)
    assert.deepEqual(commands.calls().filter((c) => c.startsWith('iptables')), [])
  })
})
