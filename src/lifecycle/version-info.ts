// `kcluster version`: what this kcluster is and what it makes, for bug reports
// and for programs that check compatibility before they call it.
import {DEFAULT_KUBERNETES_VERSION, SUPPORTED_MINOR} from '../config/kubernetes-version.js'
import {KIND_V1ALPHA4_API_VERSION} from '../config/kind-v1alpha4.js'
import {V1ALPHA1_API_VERSION} from '../config/v1alpha1.js'
import {CRI_TOOLS_VERSION, FLANNEL_VERSION, LOCAL_PATH_PROVISIONER_VERSION} from '../images/node-image.js'
import {kclusterVersion} from './cluster-record.js'

/** kcluster's version, the Kubernetes versions it supports and the versions of what it installs. */
export interface VersionInfo {
  kcluster: string
  node: string
  platform: string
  kubernetes: {default: string; supported: string}
  /** Config file apiVersions `create --config` reads. */
  configApiVersions: string[]
  /** Versions of the components built into the default node image besides Kubernetes. */
  components: {flannel: string; localPathProvisioner: string; crictl: string}
}

/** What `kcluster version` prints. */
export function versionInfo(): VersionInfo {
  return {
    kcluster: kclusterVersion(),
    node: process.versions.node,
    platform: `${process.platform}/${process.arch}`,
    kubernetes: {default: DEFAULT_KUBERNETES_VERSION, supported: `${SUPPORTED_MINOR}.x`},
    configApiVersions: [V1ALPHA1_API_VERSION, KIND_V1ALPHA4_API_VERSION],
    components: {flannel: FLANNEL_VERSION, localPathProvisioner: LOCAL_PATH_PROVISIONER_VERSION, crictl: CRI_TOOLS_VERSION},
  }
}
