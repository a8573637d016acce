import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {debianMirrors, mirrorsFromApt, parseAptSources, readAptSources} from '../../src/images/debian-sources.js'
import {KclusterError} from '../../src/errors/index.js'

const DEB822 = `# Debian's own archives
Types: deb deb-src
# http://snapshot.example.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.org/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://security.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR8lsD3K87ZM18gzyQZJD+w
 -----END PGP PUBLIC KEY BLOCK-----
`

const ONE_LINE = `# deb http://old.example.org/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/example.gpg] http://one.example.org/debian bookworm main contrib
deb-src http://src.example.org/debian bookworm main
deb http://one.example.org/debian-security bookworm-security main # security
`

describe('apt sources', () => {
  test('deb822 stanzas: types, URIs and suites, comments and continuation lines skipped', () => {
    assert.deepEqual(parseAptSources({name: 'debian.sources', text: DEB822}), [
      {types: ['deb', 'deb-src'], uris: ['http://mirror.example.org/debian/'], suites: ['bookworm', 'bookworm-updates']},
      {types: ['deb'], uris: ['https://security.example.org/debian-security'], suites: ['bookworm-security']},
    ])
  })

  test('one-line entries with options in brackets and trailing comments', () => {
    assert.deepEqual(parseAptSources({name: 'sources.list', text: ONE_LINE}), [
      {types: ['deb'], uris: ['http://one.example.org/debian'], suites: ['bookworm']},
      {types: ['deb-src'], uris: ['http://src.example.org/debian'], suites: ['bookworm']},
      {types: ['deb'], uris: ['http://one.example.org/debian-security'], suites: ['bookworm-security']},
    ])
  })

  test('a disabled stanza does not count', () => {
    assert.deepEqual(parseAptSources({name: 'x.sources', text: 'Enabled: no\nTypes: deb\nURIs: http://a.example.org/debian\nSuites: bookworm\n'}), [])
  })

  test('the first Debian archive is the mirror, the first security suite the security mirror', () => {
    assert.deepEqual(mirrorsFromApt([{name: 'debian.sources', text: DEB822}]), {
      mirror: 'http://mirror.example.org/debian',
      security: 'https://security.example.org/debian-security',
    })
    assert.deepEqual(mirrorsFromApt([{name: 'sources.list', text: ONE_LINE}, {name: 'debian.sources', text: DEB822}]), {
      mirror: 'http://one.example.org/debian',
      security: 'http://one.example.org/debian-security',
    })
  })

  test('other vendors\' repositories and source-only entries are not Debian mirrors', () => {
    const others = [
      {name: 'cloud.list', text: 'deb https://packages.example.com/apt cloud-sdk-bookworm main\ndeb-src http://src.example.org/debian bookworm main\n'},
      {name: 'node.sources', text: 'Types: deb\nURIs: https://node.example.com/node_22.x\nSuites: nodistro\nComponents: main\n'},
    ]
    assert.deepEqual(mirrorsFromApt(others), {})
    assert.equal(mirrorsFromApt([...others, {name: 'debian.sources', text: DEB822}]).mirror, 'http://mirror.example.org/debian')
  })

  test('are read in apt\'s order: sources.list, then sources.list.d by name, other file names ignored', () => {
    const apt = mkdtempSync(join(tmpdir(), 'kcluster-apt-'))
    mkdirSync(join(apt, 'sources.list.d'))
    writeFileSync(join(apt, 'sources.list'), ONE_LINE)
    writeFileSync(join(apt, 'sources.list.d/b.sources'), DEB822)
    writeFileSync(join(apt, 'sources.list.d/a.list'), 'deb http://a.example.org/debian bookworm main\n')
    writeFileSync(join(apt, 'sources.list.d/c.list.disabled'), 'deb http://c.example.org/debian bookworm main\n')
    assert.deepEqual(
      readAptSources(apt).map((file) => file.name.slice(apt.length + 1)),
      ['sources.list', 'sources.list.d/a.list', 'sources.list.d/b.sources'],
    )
  })
})

describe('debianMirrors', () => {
  const apt = () => [{name: 'debian.sources', text: DEB822}]

  test('KCLUSTER_DEBIAN_MIRROR wins; its security archive lies beside it unless named', () => {
    assert.deepEqual(debianMirrors({KCLUSTER_DEBIAN_MIRROR: 'http://env.example.org/debian/'}, apt), {
      mirror: 'http://env.example.org/debian',
      security: 'http://env.example.org/debian-security',
    })
    assert.deepEqual(debianMirrors({KCLUSTER_DEBIAN_MIRROR: 'http://env.example.org/debian', KCLUSTER_DEBIAN_SECURITY_MIRROR: 'http://sec.example.org/ds'}, apt), {
      mirror: 'http://env.example.org/debian',
      security: 'http://sec.example.org/ds',
    })
  })

  test('else the host\'s apt sources', () => {
    assert.deepEqual(debianMirrors({}, apt), {mirror: 'http://mirror.example.org/debian', security: 'https://security.example.org/debian-security'})
    const noSecurity = () => [{name: 'sources.list', text: 'deb http://only.example.org/debian bookworm main\n'}]
    assert.deepEqual(debianMirrors({}, noSecurity), {mirror: 'http://only.example.org/debian', security: 'http://only.example.org/debian-security'})
  })

  test('no mirror anywhere is an error that says what to set', () => {
    assert.throws(
      () => debianMirrors({}, () => []),
      (error: unknown) => error instanceof KclusterError && error.code === 'USAGE' && /KCLUSTER_DEBIAN_MIRROR/.test(error.remedy ?? ''),
    )
  })

  test('a mirror whose security archive cannot be told asks for it', () => {
    assert.throws(() => debianMirrors({KCLUSTER_DEBIAN_MIRROR: 'http://proxy.example.org:3142/'}, apt), /KCLUSTER_DEBIAN_SECURITY_MIRROR|security archive/)
  })
})
