import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdtempSync, mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {describe, test} from 'node:test'
import * as tar from 'tar'
import {normalizeImageName} from '../../src/config/image-reference.js'
import {isUpToDate, missingLayers, parseInventory} from '../../src/lifecycle/image-delta.js'
import {loadImages} from '../../src/lifecycle/load-images.js'
import {FakeProvider} from '../fakes/provider.js'

const sha = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`

/** A `docker save` archive of one image, in the legacy layout Docker 20.10 writes. */
async function dockerArchive(tag: string, layers: Buffer[]): Promise<{archive: Buffer; id: string; diffIds: string[]}> {
  const dir = mkdtempSync(join(tmpdir(), 'kcluster-test-archive-'))
  const diffIds = layers.map((layer) => sha(layer))
  const config = JSON.stringify({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: diffIds}})
  const id = sha(config)
  writeFileSync(join(dir, `${id.slice(7)}.json`), config)
  const layerPaths = layers.map((layer, i) => {
    mkdirSync(join(dir, `l${i}`))
    writeFileSync(join(dir, `l${i}`, 'layer.tar'), layer)
    return `l${i}/layer.tar`
  })
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{Config: `${id.slice(7)}.json`, RepoTags: [tag], Layers: layerPaths}]))
  const chunks: Buffer[] = []
  for await (const chunk of tar.c({cwd: dir, portable: true}, ['.']) as unknown as AsyncIterable<Buffer>) chunks.push(chunk)
  return {archive: Buffer.concat(chunks), id, diffIds}
}

/** What `ctr images ls` and `ctr content ls` print, for a node holding these. */
function listing({images = {}, content = {}}: {images?: Record<string, string>; content?: Record<string, string>}): string {
  const imageLines = Object.entries(images).map(([name, digest]) => `${name}    application/vnd.oci.image.manifest.v1+json    ${digest} 1.9 MiB   linux/amd64 io.cri-containerd.image=managed`)
  const contentLines = Object.entries(content).map(([digest, labels]) => `${digest}\t1.99MB\tLess than a second\t${labels}`)
  return ['REF TYPE DIGEST SIZE PLATFORMS LABELS', ...imageLines, '--- content', 'DIGEST\tSIZE\tAGE\tLABELS', ...contentLines].join('\n')
}

async function clusterWith(nodeListings: string[]) {
  const provider = new FakeProvider()
  const received = new Map<string, string[]>()
  const names = nodeListings.map((_, i) => (i === 0 ? 'dev-control-plane' : `dev-worker${i === 1 ? '' : i}`))
  for (const name of names) {
    await provider.provisionNode({cluster: 'dev', name, containerName: `kcluster.dev.${name}`, role: 'worker', image: 'n', network: 'kcluster-dev', ipv4: '172.30.0.10', securityMode: 'restricted', ports: [], mounts: []})
  }
  provider.override = async (node, command, options) => {
    if (command[0] === 'sh') return {stdout: nodeListings[names.indexOf(node.name)]!, stderr: '', exitCode: 0}
    assert.deepEqual(command.slice(0, 4), ['ctr', '--namespace=k8s.io', 'images', 'import'])
    assert.ok(options.stdin instanceof Readable, 'the archive arrives as a stream')
    const entries: string[] = []
    let index = ''
    await new Promise<void>((resolve, reject) => {
      const parser = new tar.Parser({
        onReadEntry: (entry) => {
          entries.push(entry.path)
          if (entry.path === 'index.json') entry.on('data', (c: Buffer) => (index += c.toString()))
          else entry.resume()
        },
      })
      parser.on('end', resolve).on('error', reject)
      ;(options.stdin as Readable).pipe(parser)
    })
    received.set(node.name, entries)
    received.set(`${node.name} index`, [index])
    return {stdout: '', stderr: '', exitCode: 0}
  }
  return {provider, received}
}

describe('loadImages sends only what a node lacks', () => {
  test('a node holding nothing gets every layer, the config and a manifest, named in full', async () => {
    const image = await dockerArchive('app:1', [Buffer.from('base layer'), Buffer.from('top layer')])
    const {provider, received} = await clusterWith([listing({}), listing({})])
    provider.images.images.set('app:1', {id: image.id, labels: {}, diffIds: image.diffIds, repoTags: ['app:1']})
    provider.images.savedArchive = image.archive
    const result = await loadImages({name: 'dev', images: ['app:1']}, {provider})
    const entries = received.get('dev-control-plane')!
    for (const digest of [...image.diffIds, image.id]) assert.ok(entries.includes(`blobs/sha256/${digest.slice(7)}`), `${digest} is sent`)
    assert.ok(entries.includes('index.json') && entries.includes('oci-layout'))
    assert.equal(JSON.parse(received.get('dev-control-plane index')![0]!).manifests[0].annotations['io.containerd.image.name'], 'docker.io/library/app:1')
    assert.deepEqual(result.transfers.map((t) => [t.node, t.layersSent, t.layersTotal]), [['dev-control-plane', 2, 2], ['dev-worker', 2, 2]])
    assert.ok(result.transfers.every((t) => t.bytesSent > 0))
  })

  test('a node holding the base layer gets only the top one', async () => {
    const image = await dockerArchive('app:2', [Buffer.from('base layer'), Buffer.from('changed top layer')])
    const {provider, received} = await clusterWith([listing({content: {[image.diffIds[0]!]: 'containerd.io/uncompressed=x'}})])
    provider.images.images.set('app:2', {id: image.id, labels: {}, diffIds: image.diffIds, repoTags: ['app:2']})
    provider.images.savedArchive = image.archive
    const result = await loadImages({name: 'dev', images: ['app:2']}, {provider})
    const blobs = received.get('dev-control-plane')!.filter((e) => e.startsWith('blobs/sha256/') && !e.endsWith('/'))
    assert.ok(!blobs.includes(`blobs/sha256/${image.diffIds[0]!.slice(7)}`), 'the held layer stays home')
    assert.ok(blobs.includes(`blobs/sha256/${image.diffIds[1]!.slice(7)}`))
    assert.equal(blobs.length, 3, 'top layer, config, manifest')
    assert.deepEqual([result.transfers[0]!.layersSent, result.transfers[0]!.layersTotal], [1, 2])
  })

  test('an unchanged image is not even saved', async () => {
    const image = await dockerArchive('app:3', [Buffer.from('only layer')])
    const manifest = 'sha256:' + 'a'.repeat(64)
    const held = listing({
      images: {'docker.io/library/app:3': manifest},
      content: {[manifest]: `containerd.io/gc.ref.content.config=${image.id},containerd.io/gc.ref.content.l.0=${image.diffIds[0]}`, [image.id]: 'containerd.io/gc.ref.snapshot.overlayfs=sha256:b', [image.diffIds[0]!]: 'containerd.io/uncompressed=x'},
    })
    const {provider, received} = await clusterWith([held, listing({})])
    provider.images.images.set('app:3', {id: image.id, labels: {}, diffIds: image.diffIds, repoTags: ['app:3']})
    provider.images.savedArchive = image.archive
    const result = await loadImages({name: 'dev', images: ['app:3']}, {provider})
    assert.deepEqual(result.transfers[0], {node: 'dev-control-plane', upToDate: ['app:3'], sent: [], layersSent: 0, layersTotal: 0, bytesSent: 0})
    assert.ok(!received.has('dev-control-plane'))
    assert.ok(received.has('dev-worker'), 'the other node still gets it')

    const {provider: allHeld} = await clusterWith([held])
    allHeld.images.images.set('app:3', {id: image.id, labels: {}, diffIds: image.diffIds, repoTags: ['app:3']})
    await loadImages({name: 'dev', images: ['app:3']}, {provider: allHeld})
    assert.deepEqual(allHeld.images.saved, [], 'docker save is skipped when every node is up to date')
  })

  test('a missing image is named before anything is sent', async () => {
    const {provider} = await clusterWith([listing({})])
    await assert.rejects(loadImages({name: 'dev', images: ['nope:1']}, {provider}), /image not found in the local Docker engine: nope:1/)
    assert.equal(provider.node('dev-control-plane').commands.length, 0)
  })
})

describe('containerd inventory', () => {
  const output = listing({
    images: {'docker.io/library/app:1': 'sha256:' + 'm'.repeat(64)},
    content: {['sha256:' + 'm'.repeat(64)]: 'containerd.io/gc.ref.content.config=sha256:cfg', 'sha256:cfg': 'containerd.io/gc.ref.snapshot.overlayfs=sha256:chain', 'sha256:l1': ''},
  })
  const inventory = parseInventory(output)

  test('reads images, blobs and their labels', () => {
    assert.equal(inventory.images.get('docker.io/library/app:1'), 'sha256:' + 'm'.repeat(64))
    assert.deepEqual(inventory.content.get('sha256:l1'), {})
    assert.equal(inventory.content.get('sha256:cfg')?.['containerd.io/gc.ref.snapshot.overlayfs'], 'sha256:chain')
  })

  test('up to date only under every name, with the same config, unpacked', () => {
    assert.ok(isUpToDate(inventory, {names: ['docker.io/library/app:1'], configDigest: 'sha256:cfg', diffIds: ['sha256:l1']}))
    assert.ok(!isUpToDate(inventory, {names: ['docker.io/library/app:1', 'docker.io/library/app:2'], configDigest: 'sha256:cfg', diffIds: []}))
    assert.ok(!isUpToDate(inventory, {names: ['docker.io/library/app:1'], configDigest: 'sha256:other', diffIds: []}))
    assert.deepEqual(missingLayers(inventory, {names: [], configDigest: 'x', diffIds: ['sha256:l1', 'sha256:l2', 'sha256:l2']}), ['sha256:l2'])
  })

  test('image names expand the way Docker expands them', () => {
    assert.equal(normalizeImageName('app'), 'docker.io/library/app:latest')
    assert.equal(normalizeImageName('app:dev'), 'docker.io/library/app:dev')
    assert.equal(normalizeImageName('me/app:1'), 'docker.io/me/app:1')
    assert.equal(normalizeImageName('localhost:5001/app:dev'), 'localhost:5001/app:dev')
    assert.equal(normalizeImageName('localhost/app'), 'localhost/app:latest')
    assert.equal(normalizeImageName('registry.example:5000/team/app@sha256:abc'), 'registry.example:5000/team/app@sha256:abc')
  })
})
