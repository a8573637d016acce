import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, test} from 'node:test'
import {DEPENDENCIES_LABEL, INPUTS_LABEL, RECIPE_LABEL, ensureImage, imageReference, type ImageRecipe} from '../../src/images/index.js'
import type {ContainerRun, ImageBuilder, ImageInfo, ImageOutput} from '../../src/provider/image-builder.js'
import {BuildProgress} from '../../src/images/kinds/go-module.js'

/** An engine that only keeps image records; recipes "build" by calling produce. */
class FakeBuilder implements ImageBuilder {
  readonly images = new Map<string, ImageInfo>()
  readonly inspected: string[] = []
  private next = 1

  produce(reference: string, labels: Record<string, string>): void {
    this.images.set(reference, {id: `sha256:${String(this.next++).padStart(4, '0')}`, labels})
  }
  async inspect(reference: string): Promise<ImageInfo | undefined> {
    this.inspected.push(reference)
    return this.images.get(reference)
  }
  async importRootfs(_tarball: string, output: ImageOutput): Promise<void> {
    this.produce(output.reference, output.labels)
  }
  async buildDirectory(_directory: string, output: ImageOutput): Promise<void> {
    this.produce(output.reference, output.labels)
  }
  async runToCompletion(_run: ContainerRun): Promise<void> {}
  async tag(): Promise<void> {}
  async ensureVolume(): Promise<void> {}
  async save(): Promise<void> {}
  async saveStream(): Promise<NodeJS.ReadableStream> {
    throw new Error('recipes do not save images')
  }
  async readFile(): Promise<Buffer> {
    return Buffer.alloc(0)
  }
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** A recipe whose build records itself and produces its image in the fake engine. */
function recipe(id: string, root: string, dependencies: ImageRecipe[] = [], built: string[] = []): ImageRecipe {
  return {
    id,
    title: `build ${id}`,
    repository: `test/${id}`,
    root,
    inputs: {files: [`${id}.txt`], values: {id}},
    dependencies,
    build: async (ctx) => {
      built.push(id)
      // Every dependency is present when a build starts.
      for (const reference of Object.values(ctx.dependencies)) assert.ok(await ctx.builder.inspect(reference), reference)
      ;(ctx.builder as FakeBuilder).produce(ctx.reference, ctx.labels)
    },
  }
}

/** base ← middle ← top, plus other (unrelated), each reading <id>.txt under one root. */
function tree() {
  const root = tempDir('kcluster-recipes-')
  for (const id of ['base', 'middle', 'top', 'other']) writeFileSync(join(root, `${id}.txt`), `${id}\n`)
  const built: string[] = []
  const make = () => {
    const base = recipe('base', root, [], built)
    const middle = recipe('middle', root, [base], built)
    const top = recipe('top', root, [middle, base], built)
    return {base, middle, top, other: recipe('other', root, [], built)}
  }
  return {root, built, make}
}

describe('recipe tags', () => {
  test('name the repository, the prefix and 12 hex digits, the same for the same inputs', () => {
    const {make} = tree()
    assert.match(imageReference(make().top), /^test\/top:[0-9a-f]{12}$/)
    assert.equal(imageReference(make().top), imageReference(make().top))
    assert.match(imageReference({...make().top, tagPrefix: 'v1.34.4'}), /^test\/top:v1\.34\.4-[0-9a-f]{12}$/)
  })

  test('change with a file the recipe reads, and with the files of its dependencies', () => {
    const {root, make} = tree()
    const references = () => Object.fromEntries(Object.entries(make()).map(([id, r]) => [id, imageReference(r)]))
    const before = references()
    writeFileSync(join(root, 'base.txt'), 'changed\n')
    const after = references()
    assert.notEqual(after.base, before.base)
    assert.notEqual(after.middle, before.middle)
    assert.notEqual(after.top, before.top)
    assert.equal(after.other, before.other)
  })

  test('change with a file in a folder input, and with its executable bit', () => {
    const root = tempDir('kcluster-recipes-')
    mkdirSync(join(root, 'scripts/sub'), {recursive: true})
    writeFileSync(join(root, 'scripts/sub/run.sh'), 'echo hi\n')
    const folder: ImageRecipe = {...recipe('folder', root), inputs: {files: ['scripts']}}
    const first = imageReference(folder)
    chmodSync(join(root, 'scripts/sub/run.sh'), 0o755)
    const executable = imageReference(folder)
    assert.notEqual(executable, first)
    writeFileSync(join(root, 'scripts/sub/new.txt'), 'x')
    assert.notEqual(imageReference(folder), executable)
  })

  test('change with a value, only for the recipe and its dependants', () => {
    const {make} = tree()
    const before = make()
    const base = {...before.base, inputs: {...before.base.inputs, values: {id: 'base', mirror: 'http://mirror.example.org/debian'}}}
    const middle = {...before.middle, dependencies: [base]}
    assert.notEqual(imageReference(base), imageReference(before.base))
    assert.notEqual(imageReference(middle), imageReference(before.middle))
    assert.equal(imageReference(make().other), imageReference(before.other))
  })

  test('change with the source of the recipe code', () => {
    const {make} = tree()
    const module = join(tempDir('kcluster-recipe-code-'), 'recipe.js')
    writeFileSync(module, 'export const step = 1\n')
    const withCode = (): ImageRecipe => ({...make().base, inputs: {files: ['base.txt'], code: [pathToFileURL(module).href]}})
    const first = imageReference(withCode())
    assert.equal(imageReference(withCode()), first)
    writeFileSync(module, 'export const step = 2\n')
    assert.notEqual(imageReference(withCode()), first)
  })

  test('do not depend on where the package lies', () => {
    const a = tree().make().top
    const b = tree().make().top
    assert.notEqual(a.root, b.root)
    assert.equal(imageReference(a), imageReference(b))
  })
})

describe('ensureImage', () => {
  const setup = () => {
    const t = tree()
    const builder = new FakeBuilder()
    const cache = tempDir('kcluster-cache-')
    const ensure = (r: ImageRecipe, force = false) => ensureImage(r, {builder, cache, force})
    return {...t, builder, ensure}
  }

  test('builds every missing image once, dependencies first, and labels it', async () => {
    const {make, built, builder, ensure} = setup()
    const {top, middle, base} = make()
    const result = await ensure(top)
    assert.deepEqual(built, ['base', 'middle', 'top'])
    assert.equal(result.built, true)
    assert.equal(result.reference, imageReference(top))
    assert.equal(result.labels[RECIPE_LABEL], 'top')
    assert.match(result.labels[INPUTS_LABEL]!, /^[0-9a-f]{64}$/)
    const ids = JSON.parse(result.labels[DEPENDENCIES_LABEL]!)
    assert.deepEqual(ids, {middle: builder.images.get(imageReference(middle))!.id, base: builder.images.get(imageReference(base))!.id})
  })

  test('an up-to-date image is not rebuilt, and nothing below it is looked at', async () => {
    const {make, built, builder, ensure} = setup()
    await ensure(make().top)
    built.length = 0
    builder.inspected.length = 0
    const again = await ensure(make().top)
    assert.deepEqual(built, [])
    assert.equal(again.built, false)
    // The top image and its two dependencies, then the result.
    assert.deepEqual([...new Set(builder.inspected)].sort(), [imageReference(make().top), imageReference(make().middle), imageReference(make().base)].sort())
  })

  test('a rebuilt dependency makes its dependants rebuild', async () => {
    const {make, built, ensure} = setup()
    await ensure(make().top)
    await ensure(make().base, true)
    built.length = 0
    await ensure(make().top)
    assert.deepEqual(built, ['middle', 'top'])
  })

  test('a pruned dependency does not rebuild a present image', async () => {
    const {make, built, builder, ensure} = setup()
    await ensure(make().top)
    builder.images.delete(imageReference(make().middle))
    builder.images.delete(imageReference(make().base))
    built.length = 0
    assert.equal((await ensure(make().top)).built, false)
    assert.deepEqual(built, [])
  })

  test('a missing image is rebuilt from the dependencies still present', async () => {
    const {make, built, builder, ensure} = setup()
    await ensure(make().top)
    builder.images.delete(imageReference(make().top))
    builder.images.delete(imageReference(make().base))
    built.length = 0
    await ensure(make().top)
    // base is needed again: top uses it directly.
    assert.deepEqual(built, ['base', 'top'])
  })

  test('force rebuilds only the top image', async () => {
    const {make, built, ensure} = setup()
    await ensure(make().top)
    built.length = 0
    const forced = await ensure(make().top, true)
    assert.deepEqual(built, ['top'])
    assert.equal(forced.built, true)
  })

  test('an image whose inputs label does not match is rebuilt', async () => {
    const {make, built, builder, ensure} = setup()
    await ensure(make().top)
    builder.produce(imageReference(make().top), {})
    built.length = 0
    await ensure(make().top)
    assert.deepEqual(built, ['top'])
  })

  test('two concurrent ensures build each image once', async () => {
    const {make, built, ensure} = setup()
    const [a, b] = await Promise.all([ensure(make().top), ensure(make().top)])
    assert.deepEqual(built, ['base', 'middle', 'top'])
    assert.equal(a.id, b.id)
    assert.equal([a.built, b.built].filter(Boolean).length, 1)
  })

  test('reports a step per recipe', async () => {
    const {make, builder} = setup()
    const lines: string[] = []
    await ensureImage(make().top, {builder, cache: tempDir('kcluster-cache-'), report: (line) => lines.push(line)})
    assert.deepEqual(
      lines.map((line) => line.split(':')[0]),
      ['base', 'middle', 'top'],
    )
  })
})

describe('BuildProgress', () => {
  test('counts compiled packages against the announced total, with the time left', () => {
    const lines: string[] = []
    let now = 0
    const progress = new BuildProgress((line) => lines.push(line), () => now)
    progress.line('### kubernetes v1.34.4: compiling')
    progress.line('#@ packages 100')
    for (let i = 0; i < 50; i++) {
      now += 2000
      progress.line(`k8s.io/pkg/p${i}`)
    }
    assert.deepEqual(lines, ['kubernetes v1.34.4: compiling', 'kubernetes v1.34.4: compiling: 25 of 100 packages (25%), about 3 min left', 'kubernetes v1.34.4: compiling: 50 of 100 packages (50%), about 2 min left'])
  })

  test('without a total it still counts, and a new phase starts again', () => {
    const lines: string[] = []
    const progress = new BuildProgress((line) => lines.push(line))
    progress.line('### etcd')
    for (let i = 0; i < 25; i++) progress.line(`go.etcd.io/p${i}`)
    progress.line('not a package path: a log line')
    assert.deepEqual(lines, ['etcd', 'etcd: 25 packages compiled'])
  })
})
