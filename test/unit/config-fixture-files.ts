// The config fixtures under test/fixtures/config and how a test reads them.
// Each fixture states its outcome in its header: `# expect: field: message`
// for every problem (in order, all of them), `# warn: field: message` for
// every warning, `# host: no-ipv6 | ipv6 | no-ipvs` for the machine it assumes.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {HostFacts} from '../../src/config/host-facts.js'
import {parseClusterConfig} from '../../src/config/load-config.js'
import type {InputProblem} from '../../src/errors/index.js'
import {packageRoot} from '../../src/images/paths.js'
import {prepareCreate} from '../../src/lifecycle/prepare-create.js'

export const FIXTURES = join(packageRoot(), 'test', 'fixtures', 'config')
/** Relative host paths of fixtures resolve here. */
export const FIXTURE_CWD = '/home/dev/project'

export function fixtureText(folder: 'valid' | 'invalid', name: string): string {
  return readFileSync(join(FIXTURES, folder, name), 'utf8')
}

export function fixtureNames(folder: 'valid' | 'invalid'): string[] {
  return readdirSync(join(FIXTURES, folder)).filter((f) => f.endsWith('.yaml')).sort()
}

/** The `# expect:` or `# warn:` lines of a fixture. */
export function stated(text: string, tag: 'expect' | 'warn'): InputProblem[] {
  return [...text.matchAll(new RegExp(`^# ${tag}: (.*)$`, 'gm'))].map((m) => {
    const line = m[1]!
    const split = line.indexOf(': ')
    return {field: line.slice(0, split), message: line.slice(split + 2)}
  })
}

export function hostOf(text: string): HostFacts {
  const host = /^# host: (.*)$/m.exec(text)?.[1]
  return {hasIpv6: host === 'ipv6', hasIpvs: host !== 'no-ipvs'}
}

/** What `create --config FILE --dry-run` decides for a fixture, up to the plan. */
export function prepareFixture(folder: 'valid' | 'invalid', name: string) {
  const text = fixtureText(folder, name)
  const config = parseClusterConfig(text, {source: name, cwd: FIXTURE_CWD, host: hostOf(text)})
  return {text, config, prepared: prepareCreate({config}, {}, '/home/dev')}
}
