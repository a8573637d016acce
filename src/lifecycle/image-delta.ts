// What a node's containerd already holds, read from `ctr` listings, and what
// it lacks of an image: the decision behind sending only missing layers.

/** The ctr listings a node answers with, one command for both. */
export const INVENTORY_SCRIPT = 'ctr --namespace=k8s.io images ls; echo "--- content"; ctr --namespace=k8s.io content ls'

export interface ContainerdInventory {
  /** Image name → the digest of what it points at (a manifest). */
  images: Map<string, string>
  /** Every blob held, with its labels (containerd's garbage-collection references among them). */
  content: Map<string, Record<string, string>>
}

export function parseInventory(output: string): ContainerdInventory {
  const [imagesPart = '', contentPart = ''] = output.split(/^--- content$/m)
  const images = new Map<string, string>()
  for (const line of imagesPart.split('\n').slice(1)) {
    const [name, , digest] = line.trim().split(/\s+/)
    if (name && digest?.startsWith('sha256:')) images.set(name, digest)
  }
  const content = new Map<string, Record<string, string>>()
  for (const line of contentPart.split('\n').slice(1)) {
    const fields = line.split('\t').map((f) => f.trim())
    const digest = fields[0]
    if (!digest?.startsWith('sha256:')) continue
    const last = fields.at(-1) ?? ''
    const labels: Record<string, string> = {}
    if (fields.length >= 4 && last !== '' && last.includes('=')) {
      for (const pair of last.split(',')) {
        const eq = pair.indexOf('=')
        if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 1)
      }
    }
    content.set(digest, labels)
  }
  return {images, content}
}

export interface WantedImage {
  /** Fully qualified names it must be found under. */
  names: string[]
  /** Docker's image ID: the digest of its config. */
  configDigest: string
  /** Uncompressed layer digests. */
  diffIds: string[]
}

/**
 * Whether the node has the image under every name, pointing at this very
 * config and unpacked: then there is nothing to send.
 */
export function isUpToDate(inventory: ContainerdInventory, image: WantedImage): boolean {
  const config = inventory.content.get(image.configDigest)
  if (!config || !Object.keys(config).some((label) => label.startsWith('containerd.io/gc.ref.snapshot.'))) return false
  return image.names.every((name) => {
    const target = inventory.images.get(name)
    return target !== undefined && inventory.content.get(target)?.['containerd.io/gc.ref.content.config'] === image.configDigest
  })
}

/** The image's layers the node does not hold. */
export function missingLayers(inventory: ContainerdInventory, image: WantedImage): string[] {
  return [...new Set(image.diffIds.filter((digest) => !inventory.content.has(digest)))]
}
