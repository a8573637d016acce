// Runs an oclif command class in-process and captures what it writes and the
// exit code it ends with, as the CLI would, for tests of commands.
import {Errors, type Config} from '@oclif/core'

export interface CommandOutcome {
  stdout: string
  stderr: string
  exit: number
}

type CommandClass = new (argv: string[], config: Config) => unknown

export async function runCommand(Command: CommandClass, argv: string[], config: Config): Promise<CommandOutcome> {
  let stdout = ''
  let stderr = ''
  const originalOut = process.stdout.write
  const originalErr = process.stderr.write
  // The test runner reports to its parent over stdout in binary chunks; let those through.
  const capture = (original: typeof process.stdout.write, stream: NodeJS.WriteStream, sink: (s: string) => void) =>
    function (chunk: string | Uint8Array, ...rest: unknown[]): boolean {
      if (typeof chunk !== 'string') return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest)
      sink(chunk)
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      callback?.()
      return true
    }
  process.stdout.write = capture(originalOut, process.stdout, (s) => (stdout += s)) as typeof process.stdout.write
  process.stderr.write = capture(originalErr, process.stderr, (s) => (stderr += s)) as typeof process.stderr.write
  let exit = 0
  try {
    await (new Command(argv, config) as {_run(): Promise<unknown>})._run()
  } catch (error) {
    if (!(error instanceof Errors.ExitError)) throw error
    exit = error.oclif.exit ?? -1
  } finally {
    process.stdout.write = originalOut
    process.stderr.write = originalErr
    process.exitCode = undefined
  }
  return {stdout, stderr, exit}
}

/** An oclif Config of a throwaway package folder (removed by `dispose`), for running command classes in tests. */
export async function loadTestConfig(prefix: string): Promise<{root: string; config: Config; dispose: () => Promise<void>}> {
  const {mkdtemp, rm, writeFile} = await import('node:fs/promises')
  const {tmpdir} = await import('node:os')
  const {join} = await import('node:path')
  const {Config: OclifConfig} = await import('@oclif/core')
  const root = await mkdtemp(join(tmpdir(), prefix))
  await writeFile(join(root, 'package.json'), JSON.stringify({name: 'kcluster-test', version: '0.0.0', type: 'module', oclif: {bin: 'kcluster'}}))
  return {root, config: await OclifConfig.load(root), dispose: () => rm(root, {recursive: true, force: true})}
}
