#!/usr/bin/env node
// Checked before anything is imported: on an older Node the dependencies fail with obscure errors.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `kcluster needs Node.js 22.13 or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n` +
      'Run it as `npx kcluster` in its folder after `npm ci`: Node.js 22 comes with its npm dependencies. Or install a current Node.js LTS.\n',
  )
  process.exit(2)
}
// Compiled code of kcluster and its dependencies is cached on disk: a command such as `status`, run often by
// scripts and IDE plugins, then starts in about half the time.
const {enableCompileCache} = await import('node:module')
enableCompileCache?.()
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
