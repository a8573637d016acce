// Writes oclif.manifest.json from the compiled commands, so the CLI starts
// without loading every command module to learn their flags.
import {writeFileSync} from 'node:fs'
import {Plugin} from '@oclif/core'

const plugin = new Plugin({root: process.cwd(), type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
writeFileSync('oclif.manifest.json', `${JSON.stringify(plugin.manifest, null, 2)}\n`)
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`)
