// dockerode loads two parts when it is loaded that a kcluster command seldom uses: docker-modem's SSH
// transport (ssh2, for a DOCKER_HOST of ssh://) and dockerode's BuildKit session (gRPC and protobuf).
// They are half of its load time (about 0.1 s of CPU, on every command). Each is one function, called
// when first used; it is replaced by one that loads the real one then. Where Node.js has no
// module.registerHooks (before 22.15) everything loads at once, as before.
import * as nodeModule from 'node:module'
import {fileURLToPath} from 'node:url'

/** The module each deferred one stands for, as its importer resolved it: `./ssh` of docker-modem, `./session` of dockerode. */
export const deferred = new Map<'ssh' | 'session', string>()

const SHIMS = {ssh: new URL('./deferred-ssh.js', import.meta.url).href, session: new URL('./deferred-session.js', import.meta.url).href}

/** `./ssh` required by docker-modem's lib/modem.js, or `./session` by dockerode's lib/docker.js. */
export function deferredKind(specifier: string, parentURL: string | undefined): 'ssh' | 'session' | undefined {
  if (specifier === './ssh' && parentURL?.endsWith('/docker-modem/lib/modem.js')) return 'ssh'
  if (specifier === './session' && parentURL?.endsWith('/dockerode/lib/docker.js')) return 'session'
  return undefined
}

// Typed by hand: @types/node may predate registerHooks.
type ResolveResult = {url: string; format?: string | null; shortCircuit?: boolean}
type RegisterHooks = (hooks: {resolve: (specifier: string, context: {parentURL?: string}, next: (specifier: string, context: {parentURL?: string}) => ResolveResult) => ResolveResult}) => unknown
const registerHooks = (nodeModule as unknown as {registerHooks?: RegisterHooks}).registerHooks

registerHooks?.({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context)
    const kind = deferredKind(specifier, context.parentURL)
    if (!kind) return resolved
    deferred.set(kind, resolved.url)
    return {url: SHIMS[kind], format: 'module', shortCircuit: true}
  },
})

/** The real module of a shim, loaded on its first call. */
export function loadDeferred(kind: 'ssh' | 'session'): (...args: unknown[]) => unknown {
  const url = deferred.get(kind)
  if (!url) throw new Error(`kcluster: the deferred module ${kind} was never resolved`)
  return nodeModule.createRequire(import.meta.url)(fileURLToPath(url)) as (...args: unknown[]) => unknown
}
