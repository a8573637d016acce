// What a defaulted config means, checked: every problem with its field path,
// and a warning for each field this host or kcluster will not honour as asked.
// Checks across nodes (control-plane count, subnets, duplicate host ports)
// belong to the plan, which reports them the same way.
import {isIP} from 'node:net'
import path from 'node:path'
import type {InputProblem} from '../errors/index.js'
import {validateClusterName} from './cluster-name.js'
import type {ClusterSpec, Json6902PatchSpec} from './cluster-spec.js'
import type {DefaultedConfig} from './config-defaults.js'
import type {HostFacts} from './host-facts.js'
import {parseToml, TomlError} from './toml.js'
import {fieldPath} from './field-path.js'
import {hookProblems} from './hook-rules.js'
import {isPlausibleImageReference} from './image-reference.js'
import {KUBEADM_DOCUMENT_API_VERSIONS, splitApiVersion, unmatchableTarget} from './kubeadm-patch-target.js'
import {checkKubernetesVersion} from './kubernetes-version.js'
import {labelKeyProblem, labelValueProblem} from './label-syntax.js'
import {parseJson6902, parseMergePatch} from './patch-syntax.js'
import {profileProblems} from './profile.js'

export interface Findings {
  problems: InputProblem[]
  warnings: InputProblem[]
}

export function validateConfig({spec, ipFamily}: DefaultedConfig, host: HostFacts): Findings {
  const problems: InputProblem[] = []
  const warnings: InputProblem[] = []
  const problem = (field: string, message: string | undefined) => {
    if (message !== undefined) problems.push({field, message})
  }

  if (spec.name !== undefined) problem('name', validateClusterName(spec.name))
  if (spec.kubernetesVersion !== undefined) {
    const checked = checkKubernetesVersion(spec.kubernetesVersion)
    if ('problem' in checked) problems.push(checked.problem)
  }
  checkImage('image', spec.image, problems, warnings)
  for (const [key, value] of Object.entries(spec.labels ?? {})) problem(fieldPath('labels', key), labelKeyProblem(key) ?? labelValueProblem(value))

  if (ipFamily !== 'ipv4') {
    problem(
      'networking.ipFamily',
      host.hasIpv6
        ? `${ipFamily} is not supported: kcluster creates IPv4 clusters only so far; use ipv4 or leave ipFamily out`
        : `${ipFamily} is impossible here: this host has no IPv6 address (none in /proc/net/if_inet6 besides loopback and link-local); use ipv4 or leave ipFamily out`,
    )
  }
  problem('networking.apiServerAddress', ipAddressProblem(spec.networking.apiServerAddress))
  if (spec.networking.kubeProxyMode === 'ipvs' && !host.hasIpvs) {
    warnings.push({field: 'networking.kubeProxyMode', message: "ipvs is passed to kube-proxy, but this host's kernel has no IPVS loaded (/proc/net/ip_vs is missing) and a node cannot load it: kube-proxy fails unless you run `modprobe ip_vs` on the host first"})
  }
  for (const [index, domain] of (spec.networking.dnsSearch ?? []).entries()) {
    if (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?\.?$/.test(domain)) problem(`networking.dnsSearch[${index}]`, `${JSON.stringify(domain)} is not a domain name`)
  }

  for (const [gate] of Object.entries(spec.featureGates ?? {})) {
    if (!/^[A-Za-z0-9]+$/.test(gate)) problem(fieldPath('featureGates', gate), 'a feature gate name has letters and digits only, e.g. InPlacePodVerticalScaling')
  }
  for (const [key, value] of Object.entries(spec.runtimeConfig ?? {})) {
    if (key === '' || /[=,\s]/.test(key)) problem(fieldPath('runtimeConfig', key), 'a runtime-config key is an API group/version or resource, e.g. api/alpha or batch/v2alpha1')
    else if (/[,\s]/.test(value)) problem(fieldPath('runtimeConfig', key), `${JSON.stringify(value)} must not hold commas or spaces`)
  }

  checkPatchSyntax('', spec, problems)
  for (const [index, text] of (spec.containerdConfigPatches ?? []).entries()) {
    try {
      parseToml(text)
    } catch (error) {
      if (!(error instanceof TomlError)) throw error
      problem(`containerdConfigPatches[${index}]`, `is not TOML kcluster can read: ${error.message}`)
    }
  }
  for (const [index, text] of (spec.containerdConfigPatchesJSON6902 ?? []).entries()) {
    const parsed = parseJson6902(text)
    if ('problem' in parsed) problem(`containerdConfigPatchesJSON6902[${index}]`, parsed.problem)
  }

  problems.push(...hookProblems(spec.hooks))
  problems.push(...profileProblems(spec.profile, spec.nodes))

  for (const [n, node] of spec.nodes.entries()) {
    const at = `nodes[${n}]`
    checkImage(`${at}.image`, node.image, problems, warnings)
    for (const [key, value] of Object.entries(node.labels ?? {})) {
      problem(fieldPath(`${at}.labels`, key), labelKeyProblem(key) ?? labelValueProblem(value))
    }
    for (const [m, mapping] of (node.extraPortMappings ?? []).entries()) {
      problem(`${at}.extraPortMappings[${m}].listenAddress`, ipAddressProblem(mapping.listenAddress))
    }
    for (const [m, mount] of (node.extraMounts ?? []).entries()) {
      if (mount.hostPath === '') problem(`${at}.extraMounts[${m}].hostPath`, 'must not be empty')
      if (!path.posix.isAbsolute(mount.containerPath)) problem(`${at}.extraMounts[${m}].containerPath`, `must be an absolute path in the node (got ${JSON.stringify(mount.containerPath)})`)
    }
    checkPatchSyntax(at, node, problems)
  }

  return {problems, warnings}
}

function checkImage(field: string, image: string | undefined, problems: InputProblem[], warnings: InputProblem[]): void {
  if (image === undefined) return
  if (!isPlausibleImageReference(image)) {
    problems.push({field, message: `is not a valid image reference (got ${JSON.stringify(image)}); expected e.g. kcluster/node:v1.34.4 or registry.example.com/node@sha256:<digest>`})
  } else if (/(^|\/)kindest\/node[:@]/.test(image)) {
    warnings.push({field, message: `${image} is a kind node image, which kcluster nodes cannot boot (nor can it be pulled here); build one with \`kcluster build node-image\` or leave ${field} out for the default`})
  }
}

function ipAddressProblem(address: string): string | undefined {
  return isIP(address) === 0 ? `must be an IP address such as 127.0.0.1 or 0.0.0.0 (got ${JSON.stringify(address)})` : undefined
}

/** Malformed patches, and patches no document kcluster writes could ever match. */
function checkPatchSyntax(at: string, owner: Pick<ClusterSpec, 'kubeadmConfigPatches' | 'kubeadmConfigPatchesJSON6902'>, problems: InputProblem[]): void {
  const prefix = at === '' ? '' : `${at}.`
  for (const [index, text] of (owner.kubeadmConfigPatches ?? []).entries()) {
    const field = `${prefix}kubeadmConfigPatches[${index}]`
    const parsed = parseMergePatch(text)
    if ('problem' in parsed) {
      problems.push({field, message: parsed.problem})
      continue
    }
    for (const [d, document] of parsed.ok.entries()) {
      const why = unmatchableTarget(document.target)
      if (why) problems.push({field, message: parsed.ok.length > 1 ? `document ${d + 1}: ${why}` : why})
    }
  }
  for (const [index, patch] of (owner.kubeadmConfigPatchesJSON6902 ?? []).entries()) {
    const field = `${prefix}kubeadmConfigPatchesJSON6902[${index}]`
    const why = unmatchableTarget(patch)
    if (why) problems.push({field: `${field}.${wrongTargetField(patch)}`, message: why})
    const parsed = parseJson6902(patch.patch)
    if ('problem' in parsed) problems.push({field: `${field}.patch`, message: parsed.problem})
  }
}

function wrongTargetField(patch: Json6902PatchSpec): 'kind' | 'group' | 'version' {
  const apiVersion = KUBEADM_DOCUMENT_API_VERSIONS[patch.kind]
  if (apiVersion === undefined) return 'kind'
  return patch.group !== '' && patch.group !== splitApiVersion(apiVersion).group ? 'group' : 'version'
}
