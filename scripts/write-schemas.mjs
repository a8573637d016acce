// Writes every schema under schemas/ from its compiled description: the config
// file's (the same description the decoder enforces) and the machine
// contracts of src/contracts (envelope, results, progress events). Run after
// `npm run build`; unit tests fail while a file differs from its description.
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {V1ALPHA1_SCHEMA} from '../dist/src/config/v1alpha1.js'
import {contractDocuments} from '../dist/src/contracts/index.js'

const write = (file, json) => {
  const path = join('schemas', file)
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`)
}

write('cluster-config.schema.json', V1ALPHA1_SCHEMA)
const documents = contractDocuments()
for (const {file, json} of documents) write(file, json)
console.log(`schemas/: cluster-config.schema.json and ${documents.length} contract schemas written`)
