// kind's config file, apiVersion kind.x-k8s.io/v1alpha4, read as it is and
// converted to ours. The fields are the same; what differs is said here, as
// warnings where kcluster does otherwise than kind would.
import type {InputProblem} from '../errors/index.js'
import {DEFAULT_LISTEN_ADDRESS} from './cluster-spec.js'
import type {JsonSchema, RecordSchema, RootSchema} from './json-schema.js'
import {V1ALPHA1_API_VERSION, V1ALPHA1_SCHEMA, type V1alpha1Cluster} from './v1alpha1.js'

export const KIND_V1ALPHA4_API_VERSION = 'kind.x-k8s.io/v1alpha4'

/** Ours without the fields kind lacks (versions, image, hooks, labels); -1 ports (kind: "let the runtime pick"), protocols in any case. */
export const KIND_V1ALPHA4_SCHEMA: RootSchema = (() => {
  const schema = structuredClone(V1ALPHA1_SCHEMA)
  schema.title = 'kind cluster config (kind.x-k8s.io/v1alpha4), as kcluster reads it'
  delete schema.properties.kubernetesVersion
  delete schema.properties.image
  delete schema.properties.hooks
  delete schema.definitions.hook
  delete schema.properties.labels
  schema.properties.apiVersion = {type: 'string', const: KIND_V1ALPHA4_API_VERSION}
  const networking = schema.properties.networking as RecordSchema
  networking.properties.apiServerPort = {...networking.properties.apiServerPort, minimum: -1} as JsonSchema
  const portMapping = schema.definitions.portMapping as RecordSchema
  portMapping.properties.hostPort = {...portMapping.properties.hostPort, minimum: -1} as JsonSchema
  portMapping.properties.protocol = {type: 'string'}
  return schema
})()

export interface Converted {
  cluster: V1alpha1Cluster
  warnings: InputProblem[]
  problems: InputProblem[]
}

const PROTOCOLS = ['tcp', 'udp', 'sctp']
const RUNTIME_PICKS_PORT = '-1 (kind: Docker picks a port at every start) is taken as 0: kcluster picks a free port at create and pins it, so it survives restarts'

/** A decoded kind v1alpha4 file as kcluster.dev/v1alpha1. */
export function kindV1alpha4ToV1alpha1(kind: V1alpha1Cluster): Converted {
  const warnings: InputProblem[] = []
  const problems: InputProblem[] = []
  const cluster: V1alpha1Cluster = structuredClone({...kind, apiVersion: V1ALPHA1_API_VERSION})

  if (cluster.networking?.apiServerPort === -1) {
    cluster.networking.apiServerPort = 0
    warnings.push({field: 'networking.apiServerPort', message: RUNTIME_PICKS_PORT})
  }
  for (const [n, node] of (cluster.nodes ?? []).entries()) {
    for (const [m, mapping] of (node.extraPortMappings ?? []).entries()) {
      const path = `nodes[${n}].extraPortMappings[${m}]`
      if (mapping.hostPort === -1) {
        mapping.hostPort = 0
        warnings.push({field: `${path}.hostPort`, message: RUNTIME_PICKS_PORT})
      }
      if (mapping.protocol !== undefined) {
        // kind reads the protocol in any case.
        if (PROTOCOLS.includes(mapping.protocol.toLowerCase())) mapping.protocol = mapping.protocol.toLowerCase()
        else problems.push({field: `${path}.protocol`, message: `must be TCP, UDP or SCTP (got ${JSON.stringify(mapping.protocol)})`})
      }
      if (mapping.listenAddress === undefined) {
        warnings.push({field: `${path}.listenAddress`, message: `not set: kcluster publishes on ${DEFAULT_LISTEN_ADDRESS} where kind would use 0.0.0.0; set listenAddress: 0.0.0.0 to publish on every address`})
      }
    }
  }
  return {cluster, warnings, problems}
}
