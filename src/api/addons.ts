// The addons as library calls: `kcluster addons list|enable|disable`.
import {DEFAULT_CLUSTER_NAME} from '../config/cluster-spec.js'
import {parseDuration} from '../config/duration.js'
import {disableAddons as disableWith, enableAddons as enableWith, listAddons as listWith, type AddonsDisableResult, type AddonsEnableResult, type AddonsListResult} from '../lifecycle/addons.js'
import {libraryCall, progressRunner, type EngineOptions, type ProgressOptions} from './call-options.js'

export interface AddonsOptions {
  /** The cluster's name; default "kcluster". */
  name?: string
}

export interface EnableAddonsOptions extends AddonsOptions, ProgressOptions {
  addons: string[]
  /** ADDON.KEY=VALUE (KEY=VALUE with one addon), as `--option`. */
  options?: string[]
  /** How long to wait for each addon, e.g. "3m"; "0": apply only. */
  wait?: string
  onNote?: (message: string) => void
}

/** The catalog and each addon's state in the cluster. */
export function listAddons(options: AddonsOptions & EngineOptions = {}): Promise<AddonsListResult> {
  return libraryCall(options, (provider, signal) => listWith({name: options.name ?? DEFAULT_CLUSTER_NAME}, {provider, signal}))
}

/** Builds what is missing, installs the addons and waits until they are ready. */
export function enableAddons(options: EnableAddonsOptions): Promise<AddonsEnableResult> {
  return libraryCall(options, (provider, signal) => {
    const name = options.name ?? DEFAULT_CLUSTER_NAME
    return enableWith(
      {name, addons: options.addons, options: options.options ?? [], waitMs: parseDuration(options.wait ?? '3m', 'wait')},
      {provider, signal, runner: progressRunner(options.onEvent, {operation: 'addons enable', cluster: name}), ...(options.onNote ? {onNote: options.onNote} : {})},
    )
  })
}

/** Removes exactly what the addons installed. */
export function disableAddons(options: AddonsOptions & ProgressOptions & {addons: string[]; onNote?: (message: string) => void}): Promise<AddonsDisableResult> {
  return libraryCall(options, (provider, signal) => {
    const name = options.name ?? DEFAULT_CLUSTER_NAME
    return disableWith({name, addons: options.addons}, {provider, signal, runner: progressRunner(options.onEvent, {operation: 'addons disable', cluster: name}), ...(options.onNote ? {onNote: options.onNote} : {})})
  })
}
