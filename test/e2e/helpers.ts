// Helpers for end-to-end tests: run the built CLI for real, and real clients
// (kubectl built with the node image, @kubernetes/client-node) against the cluster.
import {chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {connect, createServer} from 'node:net'
import {join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {execa} from 'execa'
import Docker from 'dockerode'
import * as tar from 'tar'
import {assertValid, envelopeProblems, progressStreamProblems} from '../contracts/schemas.js'

export const ROOT = resolve(import.meta.dirname, '../../..')
export const CLI = join(ROOT, 'bin/run.js')
export const docker = new Docker()

export interface Envelope<T = any> {
  status: 'ok' | 'error'
  command: string
  result?: T
  error?: {name: string; code: string; message: string; exitCode: number; remedy?: string}
}

/**
 * KCLUSTER_E2E_PROFILE=light runs every `create` of a test file with that profile (unless the test names one),
 * so a file written for the default profile checks the light one too; its shapes must have one control plane.
 */
export const E2E_PROFILE = process.env.KCLUSTER_E2E_PROFILE || undefined

function withE2eProfile(args: string[]): string[] {
  return E2E_PROFILE && args[0] === 'create' && !args.includes('--profile') ? [...args, '--profile', E2E_PROFILE] : args
}

/**
 * Runs the built CLI with --json; `showProgress` also streams its progress events to our stderr (long builds in CI logs).
 * Its stdout envelope and stderr events must validate against schemas/.
 */
export async function kcluster<T = any>(args: string[], env: Record<string, string> = {}, showProgress = false): Promise<{exitCode: number; envelope: Envelope<T>; stderr: string}> {
  args = withE2eProfile(args)
  const result = await execa(process.execPath, [CLI, ...args, '--json'], {reject: false, env: {...env, CI: 'true'}, stderr: showProgress ? ['pipe', 'inherit'] : 'pipe'})
  let envelope: Envelope<T>
  try {
    envelope = JSON.parse(result.stdout)
  } catch {
    throw new Error(`kcluster ${args.join(' ')} printed no JSON envelope (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr.slice(-4000)}`)
  }
  // Every envelope and progress event a test sees is held to the shipped schemas (a command without a result schema yet is left to the unit test).
  assertValid(envelopeProblems(envelope, {requireResultSchema: false}), `the --json envelope of kcluster ${args.join(' ')}`)
  if (!showProgress) assertValid(progressStreamProblems(result.stderr, {jsonLinesOnly: true}), `the progress events of kcluster ${args.join(' ')}`)
  return {exitCode: result.exitCode ?? -1, envelope, stderr: result.stderr}
}

// A test file's temp folders go when its process ends: kubectl alone is 144 MB a file, and a disk
// filled over many runs made the preflight refuse the multi-node creates of a later run.
const tempDirs: string[] = []
process.on('exit', () => {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, {recursive: true, force: true})
    } catch {
      // a file a pod made through hostPath may not be ours to remove; the runner's TMPDIR goes anyway
    }
  }
})

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tempDirs.push(dir)
  return dir
}

/** Extracts a file of an image to the host, through a created (never started) container. */
export async function copyFromImage(image: string, path: string, dest: string): Promise<void> {
  const container = await docker.createContainer({Image: image, Entrypoint: ['/bin/true']})
  try {
    const stream = await container.getArchive({path})
    mkdirSync(dest, {recursive: true})
    await new Promise<void>((ok, fail) => stream.pipe(tar.x({cwd: dest})).on('finish', ok).on('error', fail))
  } finally {
    await container.remove({force: true})
  }
}

/** kubectl from the node image itself (the multicall binary under its name). */
export async function kubectlFromImage(image: string): Promise<string> {
  const dir = tempDir('kcluster-e2e-bin-')
  await copyFromImage(image, '/usr/local/bin/kube', dir)
  chmodSync(join(dir, 'kube'), 0o755)
  symlinkSync(join(dir, 'kube'), join(dir, 'kubectl'))
  return join(dir, 'kubectl')
}

/** A scratch image with static busybox (taken from the node image), built without any registry. */
export async function buildBusyboxImage(nodeImage: string, reference: string): Promise<void> {
  const dir = tempDir('kcluster-e2e-busybox-')
  await copyFromImage(nodeImage, '/bin/busybox', join(dir, 'bin'))
  for (const applet of ['sh', 'cat', 'wget', 'nslookup', 'httpd', 'sleep', 'hostname', 'mkdir', 'echo', 'timeout']) symlinkSync('busybox', join(dir, 'bin', applet))
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY bin/ /bin/\nENV PATH=/bin\nCMD ["/bin/sh"]\n')
  const stream = await docker.buildImage(tar.c({cwd: dir, portable: true}, ['.']) as unknown as NodeJS.ReadableStream, {t: reference})
  await new Promise<void>((ok, fail) => docker.modem.followProgress(stream, (error: Error | null, out: any[]) => {
    const failed = out?.find((o) => o.error)
    error || failed ? fail(error ?? new Error(failed.error)) : ok()
  }))
}

export function kubectlRunner(kubectl: string, kubeconfig: string, context: string) {
  return async (args: string[], input?: string): Promise<string> => {
    const result = await execa(kubectl, [`--kubeconfig=${kubeconfig}`, `--context=${context}`, ...args], {input, reject: false})
    if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}${result.stdout}`)
    return result.stdout
  }
}

export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = error
    }
    await sleep(1000)
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String((last as Error).message ?? last)}` : ''}`)
}

export async function clusterResources(cluster: string): Promise<{containers: number; networks: number; volumes: number}> {
  const filters = {label: [`io.kcluster.cluster=${cluster}`]}
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({all: true, filters}),
    docker.listNetworks({filters}),
    docker.listVolumes({filters}),
  ])
  return {containers: containers.length, networks: networks.length, volumes: (volumes.Volumes ?? []).length}
}


/** A TCP port free on 127.0.0.1 right now, for a test to publish. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const port = (server.address() as {port: number}).port
  await new Promise((ok) => server.close(ok))
  return port
}

/** A Deployment `web` of busybox httpd pods, each serving "served-by <pod name>" on port 8080. */
export function httpdDeployment(image: string, replicas: number, {namespace, pullPolicy = 'Never'}: {namespace?: string; pullPolicy?: 'Never' | 'IfNotPresent'} = {}): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web${namespace ? `, namespace: ${namespace}` : ''}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: httpd
        image: ${image}
        imagePullPolicy: ${pullPolicy}
        command: ["sh", "-c", "mkdir -p /www && echo served-by $(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`
}

/** How a TCP connection to 127.0.0.1:port ends: 'connected' or the error code. */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(3000, () => (socket.destroy(), resolve('timeout')))
    socket.on('connect', () => (socket.destroy(), resolve('connected')))
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

/** httpdDeployment and a Service `web` on port 80 in front of it. */
export function httpdWithService(image: string, replicas: number): string {
  return `${httpdDeployment(image, replicas)}---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`
}

/** Builds the busybox test image on the node image and loads it into the cluster. */
export async function loadTestImage(nodeImage: string, cluster: string, image: string): Promise<void> {
  await buildBusyboxImage(nodeImage, image)
  const loaded = await kcluster(['load', 'image', image, '--name', cluster])
  if (loaded.exitCode !== 0) throw new Error(`kcluster load image ${image} failed (exit ${loaded.exitCode}): ${JSON.stringify(loaded.envelope.error)}`)
}
