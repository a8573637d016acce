// `kcluster load image`: moves images from the local Docker engine into the
// containerd of every node, under the names workloads refer to. It first asks
// each node what it holds, by digest, and sends only what is missing: an
// unchanged image costs one listing per node, a changed top layer about that
// layer. The archive is taken apart on disk as it arrives, never held in
// memory, and each node gets its own stream, all at once.
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Transform} from 'node:stream'
import {normalizeImageName} from '../config/image-reference.js'
import {ClusterMissingError, UsageError} from '../errors/index.js'
import {partialOciLayout, unpackDockerArchive, type LayoutImage} from '../files/image-archive.js'
import type {Node, Provider} from '../provider/types.js'
import {INVENTORY_SCRIPT, isUpToDate, missingLayers, parseInventory, type WantedImage} from './image-delta.js'

/** What loadImages sent to one node, and what it found there already. */
export interface NodeTransfer {
  node: string
  /** Images the node already had, unchanged: nothing was sent for them. */
  upToDate: string[]
  /** Images sent to the node. */
  sent: string[]
  /** Layers sent; the others the node held already. */
  layersSent: number
  layersTotal: number
  /** Bytes of the archive streamed into the node. */
  bytesSent: number
}

/** Which images were loaded into which nodes. */
export interface LoadImagesResult {
  cluster: string
  images: string[]
  nodes: string[]
  transfers: NodeTransfer[]
  durationMs: number
}

interface Requested extends WantedImage {
  /** As the user named it. */
  reference: string
}

const IMAGE_ID = /^(sha256:)?[0-9a-f]{12,64}$/

export async function loadImages(
  input: {name: string; images: string[]},
  {provider, onProgress = () => {}, signal}: {provider: Provider; onProgress?: (message: string) => void; signal?: AbortSignal},
): Promise<LoadImagesResult> {
  const started = Date.now()
  await provider.ping()
  const nodes = await provider.listNodes(input.name)
  if (nodes.length === 0) throw new ClusterMissingError(input.name)
  const found = await Promise.all(input.images.map((image) => provider.images.inspect(image)))
  const missing = input.images.filter((_, i) => found[i] === undefined)
  if (missing.length > 0) throw new UsageError(`image not found in the local Docker engine: ${missing.join(', ')}`, 'build or tag it first (`docker images` lists what exists)')
  const requested: Requested[] = input.images.map((reference, i) => {
    const info = found[i]!
    // An ID names no image: it is stored under every name Docker gives it.
    const names = IMAGE_ID.test(reference) ? (info.repoTags ?? []) : [reference]
    return {reference, names: names.map(normalizeImageName), configDigest: info.id, diffIds: info.diffIds ?? []}
  })

  onProgress(`asking ${nodes.length} node(s) what they hold`)
  const plans = await Promise.all(
    nodes.map(async (node) => {
      const inventory = parseInventory((await node.exec(['sh', '-c', INVENTORY_SCRIPT], {signal})).stdout)
      const needed = requested.filter((image) => !isUpToDate(inventory, image))
      return {node, needed, upToDate: requested.filter((image) => !needed.includes(image)), send: new Set(needed.flatMap((image) => missingLayers(inventory, image)))}
    }),
  )
  const toSave = requested.filter((image) => plans.some((plan) => plan.needed.includes(image)))
  const transfers: NodeTransfer[] = plans.map(({node, upToDate}) => ({node: node.name, upToDate: upToDate.map((i) => i.reference), sent: [], layersSent: 0, layersTotal: 0, bytesSent: 0}))

  if (toSave.length > 0) {
    const dir = await mkdtemp(join(tmpdir(), 'kcluster-load-'))
    try {
      onProgress(`saving ${toSave.length} image(s)`)
      const store = join(dir, 'blobs')
      const archived = await unpackDockerArchive(await provider.images.saveStream(toSave.map((image) => image.reference)), store)
      signal?.throwIfAborted()
      const layoutOf = (image: Requested): LayoutImage[] => {
        const entry = archived.find((a) => a.config.digest === image.configDigest)
        if (!entry) throw new Error(`docker save did not return ${image.reference}`)
        return image.names.map((name) => ({name, config: entry.config, layers: entry.layers}))
      }
      await Promise.all(
        plans.map(async (plan, index) => {
          if (plan.needed.length === 0) return
          const images = plan.needed.flatMap(layoutOf)
          const layout = await partialOciLayout(join(dir, `node-${index}`), store, images, plan.send)
          const transfer = transfers[index]!
          // Counted as it passes; a 'data' listener would start the flow before ctr reads.
          const counted = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              transfer.bytesSent += chunk.length
              done(null, chunk)
            },
          })
          layout.pipe(counted)
          onProgress(`sending ${plan.send.size} layer(s) to ${plan.node.name}`)
          await importInto(plan.node, counted, signal)
          transfer.sent = plan.needed.map((image) => image.reference)
          transfer.layersSent = plan.send.size
          transfer.layersTotal = new Set(plan.needed.flatMap((image) => image.diffIds)).size
        }),
      )
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  }
  return {cluster: input.name, images: input.images, nodes: nodes.map((n) => n.name), transfers, durationMs: Date.now() - started}
}

// No --digests: the manifest is made here, so a name@digest would match no registry's.
function importInto(node: Node, archive: Transform, signal?: AbortSignal) {
  return node.exec(['ctr', '--namespace=k8s.io', 'images', 'import', '--all-platforms', '-'], {stdin: archive, signal})
}
