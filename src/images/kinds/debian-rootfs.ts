// Recipe kind: a Debian root filesystem made by mmdebstrap from a package list
// file, imported as an image. Base of the builder, the node and the components.
import {createInterface} from 'node:readline'
import {join} from 'node:path'
import {execa} from 'execa'
import {CommandFailedError} from '../../errors/index.js'
import type {DebianMirrors} from '../debian-sources.js'
import {readPackageList} from '../inputs.js'
import {identityOf, type ImageRecipe, type RecipeIdentity} from '../recipe.js'

export interface DebianRootfsOptions extends RecipeIdentity {
  /** Debian release, e.g. bookworm. */
  suite: string
  mirrors: DebianMirrors
  /** Also use <suite>-backports. */
  backports?: boolean
  /** Package list file (one a line, '#' comments), relative to the root. */
  packageList: string
  /** Packages the recipe adds to the list. */
  extraPackages?: string[]
  /** Dockerfile instructions applied on import (ENV, CMD…). */
  changes?: string[]
}

export function debianRootfsRecipe(options: DebianRootfsOptions): ImageRecipe {
  const {suite, mirrors, backports = false, extraPackages = [], changes = []} = options
  return {
    ...identityOf(options),
    inputs: {
      files: [options.packageList],
      values: {suite, mirror: mirrors.mirror, security: mirrors.security, backports: String(backports), extraPackages: extraPackages.join(' '), changes: changes.join('\n')},
      code: [import.meta.url],
    },
    build: async (ctx) => {
      const packages = [...readPackageList(join(ctx.root, options.packageList)), ...extraPackages]
      const tarball = join(ctx.scratch, 'rootfs.tar')
      const sources = [
        `deb ${mirrors.mirror} ${suite} main`,
        `deb ${mirrors.mirror} ${suite}-updates main`,
        `deb ${mirrors.security} ${suite}-security main`,
        ...(backports ? [`deb ${mirrors.mirror} ${suite}-backports main`] : []),
      ]
      const command = [
        'mmdebstrap',
        '--variant=minbase',
        `--include=${packages.join(',')}`,
        '--dpkgopt=path-exclude=/usr/share/man/*',
        '--dpkgopt=path-exclude=/usr/share/doc/*',
        '--dpkgopt=path-exclude=/usr/share/locale/*',
        '--aptopt=Acquire::Retries "3"',
        suite,
        tarball,
        ...sources,
      ]
      ctx.report(`mmdebstrap: ${packages.length} packages from ${mirrors.mirror}`)
      const run = execa(command[0]!, command.slice(1), {reject: false, all: true, cancelSignal: ctx.signal})
      // mmdebstrap's "I: …" lines say which phase it is in.
      if (run.all) createInterface({input: run.all}).on('line', (line) => line.startsWith('I: ') && ctx.report(line.slice(3)))
      const result = await run
      if (result.failed) {
        ctx.signal.throwIfAborted()
        const missing = (result as {code?: string}).code === 'ENOENT'
        throw new CommandFailedError(command, result.exitCode ?? -1, missing ? 'mmdebstrap is not installed: apt-get install mmdebstrap' : (result.all ?? '').slice(-6000))
      }
      ctx.report(`importing ${ctx.reference}`)
      await ctx.builder.importRootfs(tarball, {reference: ctx.reference, labels: ctx.labels, changes}, ctx.signal)
    },
  }
}
