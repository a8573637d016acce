// The addons kcluster offers, in the order `addons list` shows them. Adding
// one: a module exporting an `Addon` (addon.ts), its templates under
// templates/addons/<name>/, and a line here.
import {InvalidInputError} from '../errors/index.js'
import {nearestName} from '../config/nearest-name.js'
import type {Addon} from './addon.js'
import {dashboard} from './dashboard.js'
import {ingress} from './ingress.js'
import {loadBalancer} from './load-balancer.js'
import {metricsServer} from './metrics-server.js'
import {registry} from './registry.js'
import {storage} from './storage.js'

export const CATALOG: readonly Addon[] = [storage, metricsServer, ingress, registry, loadBalancer, dashboard]

export function addonNames(catalog: readonly Addon[] = CATALOG): string[] {
  return catalog.map((a) => a.name)
}

/** The addons named, in the order given, each once; an unknown name lists the valid ones (exit 3) and the nearest. */
export function findAddons(names: string[], field: string, catalog: readonly Addon[] = CATALOG): Addon[] {
  const problems = names.flatMap((name, i) => (catalog.some((a) => a.name === name) ? [] : [{field: names.length > 1 ? `${field}[${i}]` : field, message: unknownAddon(name, catalog)}]))
  if (problems.length > 0) throw new InvalidInputError(problems)
  return [...new Set(names)].map((name) => catalog.find((a) => a.name === name)!)
}

export function unknownAddon(name: string, catalog: readonly Addon[] = CATALOG): string {
  const near = nearestName(name, addonNames(catalog))
  return `no addon ${JSON.stringify(name)}${near ? `; did you mean ${near}?` : ''} (addons: ${addonNames(catalog).join(', ')})`
}
