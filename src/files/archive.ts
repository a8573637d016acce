// Archives kcluster writes for people (`export logs`): gzipped tar, written
// beside the target and renamed, so a reader never sees half of one.
import {rename, rm} from 'node:fs/promises'
import * as tar from 'tar'

/** Packs `folder` (a name inside `cwd`) into `file`, paths relative to `cwd`, without this machine's owners. */
export async function writeTarGz(file: string, cwd: string, folder: string): Promise<void> {
  const partial = `${file}.partial`
  try {
    await tar.c({gzip: true, file: partial, cwd, portable: true}, [folder])
    await rename(partial, file)
  } catch (error) {
    await rm(partial, {force: true})
    throw error
  }
}
