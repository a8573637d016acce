// What image recipes need from a container engine: a small surface, so the
// recipes are written once and the Docker calls stay in src/provider/docker.

/** Every image a recipe builds, and every temporary container it runs, carries its recipe id under this label. */
export const RECIPE_LABEL = 'io.kcluster.recipe'

export interface ImageInfo {
  /** Content-addressed image ID (sha256:…). */
  id: string
  labels: Record<string, string>
  /** Digests of the uncompressed layers, bottom first (the config's rootfs.diff_ids). */
  diffIds?: string[]
  /** The names the image has (`app:dev`). */
  repoTags?: string[]
}

/** An image to produce, with the labels it must carry. */
export interface ImageOutput {
  reference: string
  labels: Record<string, string>
}

export interface ContainerRun {
  image: string
  command: string[]
  entrypoint?: string[]
  env?: Record<string, string>
  /** volume name or host path → container path (":ro" suffix allowed) */
  binds?: string[]
  /** Mount tmpfs at these paths (path → options). */
  tmpfs?: Record<string, string>
  /** Run with the node's powers (needed to run containerd inside, as the preload does). */
  nodePowers?: boolean
  /** Labels of the temporary container, so a crashed build's leftovers can be found. */
  labels?: Record<string, string>
  onLine?: (line: string) => void
  signal?: AbortSignal
}

export interface ImageBuilder {
  /** The image's ID and labels, or undefined when no image has that reference. */
  inspect(reference: string): Promise<ImageInfo | undefined>
  /** `docker import` of a root filesystem tarball; `changes` are Dockerfile instructions (ENV, CMD…). */
  importRootfs(tarball: string, output: ImageOutput & {changes: string[]}, signal?: AbortSignal): Promise<void>
  /** `docker build` of a directory holding a Dockerfile and its context. */
  buildDirectory(directory: string, output: ImageOutput, onLine?: (line: string) => void, signal?: AbortSignal): Promise<void>
  /**
   * Runs a container until it exits and fails with the tail of its output when
   * it exits non-zero. `commitAs` turns its filesystem into a new image;
   * `exportDirectory` turns one directory of it into an image of its own (from scratch).
   */
  runToCompletion(run: ContainerRun, output?: {commitAs?: ImageOutput & {changes: string[]}; exportDirectory?: ImageOutput & {path: string}}): Promise<void>
  tag(source: string, reference: string): Promise<void>
  ensureVolume(name: string, labels: Record<string, string>): Promise<void>
  /** `docker save` of several images into one archive file (shared layers once). */
  save(references: string[], file: string, signal?: AbortSignal): Promise<void>
  /** The same archive as a stream, for a reader that takes it apart as it arrives. */
  saveStream(references: string[]): Promise<NodeJS.ReadableStream>
  /** Reads one file of an image without starting it. */
  readFile(reference: string, path: string): Promise<Buffer>
}
