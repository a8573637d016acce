// `npm test`: node's test runner over the unit tests, then the e2e files one at a time, while a second
// process builds the images the later e2e files need (test/support/prebuild-images.ts). Its log goes to
// $KCLUSTER_PREBUILD_LOG (default: prebuild.log in the OS temp folder); the runner's summary stays the last
// thing printed, and its exit code is this script's. The tests get a temp folder of their own (TMPDIR),
// removed at the end: what a test or a CLI it runs leaves there cannot pile up over runs.
import {spawn} from 'node:child_process'
import {mkdtempSync, openSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const dist = join(import.meta.dirname, '..', 'dist', 'test')
const files = (folder) => readdirSync(join(dist, folder)).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(dist, folder, f))
const logPath = process.env.KCLUSTER_PREBUILD_LOG ?? join(tmpdir(), 'kcluster-prebuild.log')
const log = openSync(logPath, 'a')
const prebuild = spawn(process.execPath, [join(dist, 'support', 'prebuild-images.js')], {stdio: ['ignore', log, log]})
prebuild.on('error', () => {})
console.error(`(building the e2e tests' images meanwhile; log: ${logPath})`)

const scratch = mkdtempSync(join(tmpdir(), 'kcluster-tests-'))
const env = {...process.env, TMPDIR: scratch}
const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files('unit'), ...files('e2e')], {stdio: 'inherit', env})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => tests.kill(signal))
tests.on('exit', (code, signal) => {
  if (prebuild.exitCode === null) prebuild.kill('SIGTERM')
  try {
    rmSync(scratch, {recursive: true, force: true, maxRetries: 3})
  } catch (error) {
    console.error(`(could not remove the tests' temp folder ${scratch}: ${error.message})`)
  }
  process.exit(code ?? (signal ? 1 : 0))
})
