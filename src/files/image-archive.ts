// The two image archive layouts `load image` deals in. Docker hands out an
// image as `docker save` writes it (manifest.json, a config, one tar per
// layer); containerd also takes an OCI image layout, whose index may name
// layers the archive leaves out as long as containerd already holds them.
// That is what lets a re-load send only the layers a node lacks.
import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {mkdir, readFile, rename, rm, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import * as tar from 'tar'

export interface Blob {
  /** sha256:… of the bytes as stored. */
  digest: string
  size: number
}

export interface ArchivedImage {
  /** Names the archive gives the image (manifest.json RepoTags). */
  repoTags: string[]
  config: Blob
  /** Uncompressed layer tars, bottom first: their digests are the image's diff IDs. */
  layers: Blob[]
}

interface DockerArchiveManifest {
  Config: string
  RepoTags?: string[] | null
  Layers: string[]
}

const blobPath = (store: string, digest: string) => join(store, digest.replace(':', '/'))

/**
 * Reads a `docker save` stream as it arrives and files every entry into
 * `store` (an OCI blob folder, `<store>/sha256/<hex>`) under its digest, so
 * nothing is held in memory whole. Returns the images the archive describes.
 */
export async function unpackDockerArchive(stream: NodeJS.ReadableStream, store: string): Promise<ArchivedImage[]> {
  await mkdir(join(store, 'sha256'), {recursive: true})
  await mkdir(join(store, 'partial'), {recursive: true})
  const entries = new Map<string, Blob>()
  const writes: Promise<void>[] = []
  let count = 0
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      if (entry.type !== 'File') return entry.resume()
      const partial = join(store, 'partial', String(count++))
      const hash = createHash('sha256')
      let size = 0
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk)
          size += chunk.length
          done(null, chunk)
        },
      })
      writes.push(
        pipeline(entry, hashing, createWriteStream(partial)).then(async () => {
          const blob = {digest: `sha256:${hash.digest('hex')}`, size}
          entries.set(entry.path.replace(/^\.\//, ''), blob)
          await rename(partial, blobPath(store, blob.digest))
        }),
      )
    },
  })
  await pipeline(stream, parser)
  await Promise.all(writes)
  await rm(join(store, 'partial'), {recursive: true, force: true})

  const manifestBlob = entries.get('manifest.json')
  if (!manifestBlob) throw new Error('the archive has no manifest.json: not a `docker save` archive')
  const manifest = JSON.parse(await readFile(blobPath(store, manifestBlob.digest), 'utf8')) as DockerArchiveManifest[]
  const entry = (path: string): Blob => {
    const blob = entries.get(path)
    if (!blob) throw new Error(`the archive's manifest.json names ${path}, which the archive lacks`)
    return blob
  }
  return manifest.map((image) => ({repoTags: image.RepoTags ?? [], config: entry(image.Config), layers: image.Layers.map(entry)}))
}

export interface LayoutImage {
  /** The fully qualified name containerd stores it under. */
  name: string
  config: Blob
  layers: Blob[]
}

/**
 * An OCI image layout of `images` holding only the layers in `send` (and the
 * configs and manifests): the rest the receiver must hold already. Written as
 * links into `store`, then packed as a tar stream with the links followed.
 */
export async function partialOciLayout(folder: string, store: string, images: LayoutImage[], send: ReadonlySet<string>): Promise<NodeJS.ReadableStream> {
  await mkdir(join(folder, 'blobs', 'sha256'), {recursive: true})
  const linked = new Set<string>()
  const link = async (digest: string) => {
    if (linked.has(digest)) return
    linked.add(digest)
    await symlink(blobPath(store, digest), blobPath(join(folder, 'blobs'), digest))
  }
  const manifests = []
  for (const image of images) {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {mediaType: 'application/vnd.oci.image.config.v1+json', digest: image.config.digest, size: image.config.size},
        layers: image.layers.map((layer) => ({mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size})),
      }),
    )
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`
    if (!linked.has(digest)) {
      linked.add(digest)
      await writeFile(blobPath(join(folder, 'blobs'), digest), manifest)
    }
    await link(image.config.digest)
    for (const layer of image.layers) if (send.has(layer.digest)) await link(layer.digest)
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: manifest.length,
      annotations: {'io.containerd.image.name': image.name, 'org.opencontainers.image.ref.name': image.name.slice(image.name.lastIndexOf(':') + 1)},
    })
  }
  await writeFile(join(folder, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}))
  await writeFile(join(folder, 'index.json'), JSON.stringify({schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests}))
  return tar.c({cwd: folder, follow: true, portable: true}, ['oci-layout', 'index.json', 'blobs']) as unknown as NodeJS.ReadableStream
}
