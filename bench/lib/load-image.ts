// `load image` as a developer iterating on an image uses it: an image of a
// payload of some MiB under a small top layer, loaded in full, re-loaded
// unchanged, and loaded after only its top layer changed; wall time and the
// bytes each node received.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {loadImages, type LoadImagesResult} from '../../src/lifecycle/load-images.js'
import type {Provider} from '../../src/provider/types.js'

export const LOAD_ROWS = ['full', 'unchanged', 'top layer changed'] as const
export type LoadRow = (typeof LOAD_ROWS)[number]
export type LoadFigures = Record<LoadRow, {ms: number[]; bytesPerNode: number[]}>

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!

/** Loads into the running cluster `name` runs times each way; the test image is built locally and removed after. */
export async function measureLoadImage(name: string, provider: Provider, {sizeMiB, runs}: {sizeMiB: number; runs: number}): Promise<LoadFigures> {
  const image = `kcluster-bench/payload:${name}`
  const context = mkdtempSync(join(tmpdir(), 'kcluster-bench-image-'))
  writeFileSync(join(context, 'payload.bin'), Buffer.alloc(sizeMiB * 1024 * 1024, 7))
  writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY payload.bin /payload.bin\nCOPY top.txt /top.txt\n')
  const build = async (top: string) => {
    writeFileSync(join(context, 'top.txt'), top)
    await execa('docker', ['build', '-q', '-t', image, context])
  }
  const rows: LoadFigures = {full: {ms: [], bytesPerNode: []}, unchanged: {ms: [], bytesPerNode: []}, 'top layer changed': {ms: [], bytesPerNode: []}}
  const timed = async (row: LoadRow) => {
    const started = Date.now()
    const result: LoadImagesResult = await loadImages({name, images: [image]}, {provider})
    rows[row].ms.push(Date.now() - started)
    rows[row].bytesPerNode.push(median(result.transfers.map((t) => t.bytesSent)))
  }
  try {
    for (let run = 0; run < runs; run++) {
      await execa('docker', ['rmi', '-f', image], {reject: false})
      await build(`run ${run} ${Date.now()}`)
      // A full load: the nodes hold none of it.
      await Promise.all(
        (await provider.listNodes(name)).map((node) =>
          node.exec(['sh', '-c', `ctr -n k8s.io images rm docker.io/${image} >/dev/null 2>&1; ctr -n k8s.io content prune references >/dev/null 2>&1 || true`], {allowFailure: true}),
        ),
      )
      await timed('full')
      await timed('unchanged')
      await build(`run ${run} changed ${Date.now()}`)
      await timed('top layer changed')
    }
  } finally {
    await execa('docker', ['rmi', '-f', image], {reject: false})
    rmSync(context, {recursive: true, force: true})
  }
  return rows
}
