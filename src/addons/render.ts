// An addon's manifests as applied: templates filled with the cluster's values,
// its options and its images, and every object labelled as the addon's, so
// list and disable find exactly what it installed. Pure, so tested as text.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import yaml from 'js-yaml'
import {packageRoot} from '../images/paths.js'
import {ADDON_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type Addon, type AddonValues} from './addon.js'

/** templates/addons/<name>/<file>, relative to the package root. */
export function templatePath(addon: Pick<Addon, 'name'>, file: string): string {
  return join('templates/addons', addon.name, file)
}

/** `listenAddress` → OPTION_LISTEN_ADDRESS. */
export function optionPlaceholder(name: string): string {
  return `OPTION_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase()}`
}

/** Every {{PLACEHOLDER}} value a template of this addon may use. */
export function templateValues(addon: Addon, values: AddonValues, images: Record<string, string>): Record<string, string> {
  return {
    CLUSTER_NAME: values.cluster,
    NETWORK_NAME: values.network.name,
    NETWORK_SUBNET: values.network.subnet,
    NETWORK_GATEWAY: values.network.gateway,
    CONTROL_PLANE_IP: values.controlPlane.ipv4,
    NODE_IPS: values.nodes.map((n) => n.ipv4).join(','),
    API_SERVER_HOST: values.apiServer.host,
    API_SERVER_PORT: String(values.apiServer.port),
    ...Object.fromEntries(Object.entries(values.options).map(([name, value]) => [optionPlaceholder(name), String(value)])),
    ...addon.values?.(values),
    ...images,
  }
}

/** Fills {{NAME}}s; one without a value is a mistake in the addon, named with its template. Unused values are fine. */
export function fillTemplate(text: string, values: Record<string, string>, what: string): string {
  const missing = new Set<string>()
  const filled = text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (whole, key: string) => {
    const value = values[key]
    if (value === undefined) missing.add(key)
    return value ?? whole
  })
  if (missing.size > 0) throw new Error(`${what}: no value for ${[...missing].map((k) => `{{${k}}}`).join(', ')}`)
  return filled
}

export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown}
  [key: string]: unknown
}

/** The addon's objects, in apply order, each carrying the addon's labels. */
export function renderObjects(addon: Addon, values: Record<string, string>, root = packageRoot(), files: string[] = addon.manifests): KubeObject[] {
  return files.flatMap((file) => {
    const path = templatePath(addon, file)
    return labelledObjects(addon, fillTemplate(readFileSync(join(root, path), 'utf8'), values, path), path)
  })
}

/** The objects of one YAML stream, each carrying the addon's labels; `what` names the stream in errors. */
export function labelledObjects(addon: Pick<Addon, 'name'>, text: string, what: string): KubeObject[] {
  return (yaml.loadAll(text) as unknown[])
    .filter((doc): doc is KubeObject => typeof doc === 'object' && doc !== null)
    .map((doc) => {
      if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string' || typeof doc.metadata?.name !== 'string') throw new Error(`${what}: an object without apiVersion, kind or metadata.name`)
      return {...doc, metadata: {...doc.metadata, labels: {...doc.metadata.labels, ...addonLabels(addon.name)}}}
    })
}

/** The objects of a manifest an image carries, only those of the kinds declared (kubectl's names), labelled. */
export function imageManifestObjects(addon: Pick<Addon, 'name'>, text: string, kinds: string[], what: string): KubeObject[] {
  return labelledObjects(addon, text, what).filter((o) => kinds.includes(kubectlKind(o.apiVersion, o.kind)))
}

export function addonLabels(name: string): Record<string, string> {
  return {[MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [ADDON_LABEL]: name}
}

/** The objects as one YAML stream for `kubectl apply -f -`. */
export function toYamlStream(objects: KubeObject[]): string {
  return objects.map((o) => yaml.dump(o, {lineWidth: -1, noRefs: true})).join('---\n')
}

/**
 * The kinds of object the addon's templates make, as kubectl names them
 * (`deployment.apps`, `configmap`), read from the templates without rendering
 * them: disable and list need no images and no options.
 */
export function templateKinds(addon: Addon, root = packageRoot()): string[] {
  const kinds = new Set<string>((addon.imageManifests ?? []).flatMap((m) => m.kinds))
  for (const {apiVersion, kind} of templateResources(addon, root)) kinds.add(kubectlKind(apiVersion, kind))
  return [...kinds]
}

/** Each apiVersion and kind the addon's templates make, once, in order of first appearance (no rendering). */
export function templateResources(addon: Addon, root = packageRoot()): {apiVersion: string; kind: string}[] {
  const found = new Map<string, {apiVersion: string; kind: string}>()
  for (const file of [...addon.manifests, ...(addon.manifestsWhenReady ?? [])]) {
    const text = readFileSync(join(root, templatePath(addon, file)), 'utf8')
    for (const document of text.split(/^---\s*$/m)) {
      const apiVersion = /^apiVersion:\s*(\S+)/m.exec(document)?.[1]
      const kind = /^kind:\s*(\S+)/m.exec(document)?.[1]
      if (apiVersion && kind && !found.has(`${apiVersion} ${kind}`)) found.set(`${apiVersion} ${kind}`, {apiVersion, kind})
    }
  }
  return [...found.values()]
}

/** apps/v1 + Deployment → deployment.apps; v1 + ConfigMap → configmap. */
export function kubectlKind(apiVersion: string, kind: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : ''
  return group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase()
}

