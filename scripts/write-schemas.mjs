// Writes schemas/cluster-config.schema.json from the compiled config schema,
// the same description the decoder enforces. Run after `npm run build`; a unit
// test fails while the file differs from it.
import {writeFileSync} from 'node:fs'
import {V1ALPHA1_SCHEMA} from '../dist/src/config/v1alpha1.js'

writeFileSync('schemas/cluster-config.schema.json', `${JSON.stringify(V1ALPHA1_SCHEMA, null, 2)}\n`)
console.log('schemas/cluster-config.schema.json written')
