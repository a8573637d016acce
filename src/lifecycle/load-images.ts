// `kcluster load image`: moves images from the local Docker engine into the
// containerd of every node, under the names workloads refer to. The archive is
// streamed to disk once and from there into each node, never held in memory.
import {createReadStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ClusterMissingError, UsageError} from '../errors/index.js'
import type {Provider} from '../provider/types.js'

export interface LoadImagesResult {
  cluster: string
  images: string[]
  nodes: string[]
  durationMs: number
}

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
  const dir = await mkdtemp(join(tmpdir(), 'kcluster-load-'))
  try {
    const archive = join(dir, 'images.tar')
    onProgress(`saving ${input.images.length} image(s)`)
    await provider.images.save(input.images, archive)
    signal?.throwIfAborted()
    await Promise.all(
      nodes.map(async (node) => {
        onProgress(`importing into ${node.name}`)
        await node.exec(['ctr', '--namespace=k8s.io', 'images', 'import', '--all-platforms', '--digests', '-'], {stdin: createReadStream(archive), signal})
      }),
    )
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
  return {cluster: input.name, images: input.images, nodes: nodes.map((n) => n.name), durationMs: Date.now() - started}
}
