// `kcluster load image`: moves images from the local Docker engine into the
// containerd of every node, under the names workloads refer to.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ClusterMissingError, UsageError} from '../errors/index.js'
import {DockerProvider} from '../provider/docker/docker-provider.js'
import type {Provider} from '../provider/types.js'

export interface LoadImagesResult {
  cluster: string
  images: string[]
  nodes: string[]
  durationMs: number
}

export async function loadImages(
  input: {name: string; images: string[]},
  {provider = new DockerProvider(), onProgress = () => {}}: {provider?: Provider; onProgress?: (message: string) => void} = {},
): Promise<LoadImagesResult> {
  const started = Date.now()
  await provider.ping()
  const nodes = await provider.listNodes(input.name)
  if (nodes.length === 0) throw new ClusterMissingError(input.name)
  const missing: string[] = []
  for (const image of input.images) if (!(await provider.imageExists(image))) missing.push(image)
  if (missing.length > 0) throw new UsageError(`image not found in the local Docker engine: ${missing.join(', ')}`, 'build or tag it first (`docker images` lists what exists)')
  const dir = mkdtempSync(join(tmpdir(), 'kcluster-load-'))
  try {
    const archive = join(dir, 'images.tar')
    onProgress(`saving ${input.images.length} image(s)`)
    await provider.saveImages(input.images, archive)
    const content = await import('node:fs/promises').then((fs) => fs.readFile(archive))
    await Promise.all(
      nodes.map(async (node) => {
        onProgress(`importing into ${node.name}`)
        const target = `/var/tmp/kcluster-load-${process.pid}.tar`
        await node.writeFile(target, content)
        try {
          await node.exec(['ctr', '--namespace=k8s.io', 'images', 'import', '--all-platforms', '--digests', target])
        } finally {
          await node.exec(['rm', '-f', target], {allowFailure: true})
        }
      }),
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  return {cluster: input.name, images: input.images, nodes: nodes.map((n) => n.name), durationMs: Date.now() - started}
}
