// A decoded kcluster.dev/v1alpha1 file → the cluster it describes, every
// default filled in. Nothing is checked here beyond what decoding did.
import path from 'node:path'
import {DEFAULT_LISTEN_ADDRESS, defaultNetworking, HOOK_EVENTS, type ClusterSpec, type HookSpec, type HookSpecs, type Json6902PatchSpec, type NodeSpec, type PortProtocol} from './cluster-spec.js'
import {checkKubernetesVersion} from './kubernetes-version.js'
import type {V1alpha1Cluster, V1alpha1Hook, V1alpha1Node, V1alpha1PatchJSON6902} from './v1alpha1.js'

export type IpFamily = 'ipv4' | 'ipv6' | 'dual'

/** A cluster spec as a file gives it: the name may be left to the flags and their default. */
export type FileSpec = Omit<ClusterSpec, 'name'> & {name?: string}

export interface DefaultedConfig {
  spec: FileSpec
  /** Asked for by the file; only ipv4 is planned, so validation refuses the others. */
  ipFamily: IpFamily
}

export function withDefaults(file: V1alpha1Cluster, cwd: string): DefaultedConfig {
  const networking = {...defaultNetworking(), ...definedOnly({
    apiServerAddress: file.networking?.apiServerAddress,
    apiServerPort: file.networking?.apiServerPort,
    podSubnet: file.networking?.podSubnet,
    serviceSubnet: file.networking?.serviceSubnet,
    disableDefaultCNI: file.networking?.disableDefaultCNI,
    kubeProxyMode: file.networking?.kubeProxyMode,
    dnsSearch: file.networking?.dnsSearch,
  })}
  // No nodes, as in kind, means one control plane.
  const nodes = file.nodes && file.nodes.length > 0 ? file.nodes.map((node) => nodeWithDefaults(node, cwd)) : [{role: 'control-plane' as const}]
  const version = file.kubernetesVersion === undefined ? undefined : checkKubernetesVersion(file.kubernetesVersion)
  const spec: FileSpec = {
    ...definedOnly({
      name: file.name,
      // A version that does not check out stays as written, for validation to report.
      kubernetesVersion: version && 'version' in version ? version.version : file.kubernetesVersion,
      image: file.image,
      profile: file.profile,
      featureGates: nonEmptyRecord(file.featureGates),
      runtimeConfig: nonEmptyRecord(file.runtimeConfig),
      kubeadmConfigPatches: nonEmptyList(file.kubeadmConfigPatches),
      kubeadmConfigPatchesJSON6902: nonEmptyList(file.kubeadmConfigPatchesJSON6902?.map(json6902WithDefaults)),
      containerdConfigPatches: nonEmptyList(file.containerdConfigPatches),
      containerdConfigPatchesJSON6902: nonEmptyList(file.containerdConfigPatchesJSON6902),
      hooks: hooksWithDefaults(file.hooks, cwd),
      labels: nonEmptyRecord(file.labels),
      addons: nonEmptyList(file.addons?.map((a, i) => ({name: a.name, enabled: a.enabled ?? true, options: a.options ?? {}, field: `addons[${i}]`}))),
    }),
    nodes,
    networking,
  }
  return {spec, ipFamily: file.networking?.ipFamily ?? 'ipv4'}
}

function nodeWithDefaults(node: V1alpha1Node, cwd: string): NodeSpec {
  return {
    role: node.role ?? 'control-plane',
    ...definedOnly({
      image: node.image,
      labels: nonEmptyRecord(node.labels),
      extraPortMappings: nonEmptyList(
        node.extraPortMappings?.map((m) => ({
          containerPort: m.containerPort,
          hostPort: m.hostPort ?? 0,
          listenAddress: m.listenAddress ?? DEFAULT_LISTEN_ADDRESS,
          protocol: (m.protocol?.toLowerCase() ?? 'tcp') as PortProtocol,
        })),
      ),
      extraMounts: nonEmptyList(
        node.extraMounts?.map((m) => ({
          // As kind does: a relative host path is taken from where the command runs.
          hostPath: m.hostPath === '' ? '' : path.resolve(cwd, m.hostPath),
          containerPath: m.containerPath,
          readOnly: m.readOnly ?? false,
          selinuxRelabel: m.selinuxRelabel ?? false,
          propagation: m.propagation ?? 'None',
        })),
      ),
      kubeadmConfigPatches: nonEmptyList(node.kubeadmConfigPatches),
      kubeadmConfigPatchesJSON6902: nonEmptyList(node.kubeadmConfigPatchesJSON6902?.map(json6902WithDefaults)),
    }),
  }
}

function hooksWithDefaults(hooks: V1alpha1Cluster['hooks'], cwd: string): HookSpecs | undefined {
  const events = HOOK_EVENTS.filter((event) => (hooks?.[event] ?? []).length > 0)
  if (events.length === 0) return undefined
  return Object.fromEntries(events.map((event) => [event, hooks![event]!.map((hook) => hookWithDefaults(hook, cwd))]))
}

function hookWithDefaults(hook: V1alpha1Hook, cwd: string): HookSpec {
  return {
    ...definedOnly({name: hook.name, timeout: hook.timeout, continueOnError: hook.continueOnError, env: nonEmptyRecord(hook.env)}),
    command: hook.command,
    // Recorded absolute, so a delete run from elsewhere finds the same directory.
    workingDir: hook.workingDir === '' ? '' : path.resolve(cwd, hook.workingDir ?? '.'),
  }
}

function json6902WithDefaults(patch: V1alpha1PatchJSON6902): Json6902PatchSpec {
  return {group: patch.group ?? '', version: patch.version ?? '', kind: patch.kind, patch: patch.patch}
}

function nonEmptyList<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined
}

function nonEmptyRecord<T>(record: Record<string, T> | undefined): Record<string, T> | undefined {
  return record && Object.keys(record).length > 0 ? record : undefined
}

/** The object without its undefined fields, so an unset field is absent rather than present and empty. */
function definedOnly<T extends Record<string, unknown>>(object: T): {[K in keyof T]?: Exclude<T[K], undefined>} {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as {[K in keyof T]?: Exclude<T[K], undefined>}
}
