// One rule for the Kubernetes version, used by `create`, `build node-image`
// and the config file alike.
import {InvalidInputError, type InputProblem} from '../errors/index.js'

export const DEFAULT_KUBERNETES_VERSION = 'v1.34.4'
/** The last line whose kubelet runs on cgroup v1 without opting in. */
export const SUPPORTED_MINOR = 'v1.34'

const SUPPORTED = /^v1\.34\.(0|[1-9]\d*)$/

/** "1.34.4" and "v1.34.4" name the same version; the result is always "v1.34.4". Returns a problem for anything else. */
export function checkKubernetesVersion(text: string, field = 'kubernetesVersion'): {version: string} | {problem: InputProblem} {
  const trimmed = text.trim()
  // "1.34.4" is what people type after reading release notes; accept it.
  const version = /^\d/.test(trimmed) ? `v${trimmed}` : trimmed
  if (SUPPORTED.test(version)) return {version}
  return {
    problem: {
      field,
      message: `must be ${SUPPORTED_MINOR}.<patch>, e.g. ${DEFAULT_KUBERNETES_VERSION} (got ${JSON.stringify(text)}); only Kubernetes 1.34 is supported (the last line whose kubelet runs on cgroup v1 without opting in)`,
    },
  }
}

/** The normalised version, or an InvalidInputError naming the field. */
export function parseKubernetesVersion(text: string, field = 'kubernetesVersion'): string {
  const checked = checkKubernetesVersion(text, field)
  if ('problem' in checked) throw new InvalidInputError([checked.problem])
  return checked.version
}
