// Spec fields that create does not apply yet. Each one set gives a warning
// naming it, so nothing a file asks for is dropped silently. When create
// learns to apply a field, its line here goes.
import type {InputProblem} from '../errors/index.js'
import type {FileSpec} from './config-defaults.js'

export function notYetAppliedWarnings(spec: FileSpec): InputProblem[] {
  const warnings: InputProblem[] = []
  const warn = (field: string, message: string) => warnings.push({field, message})
  const {networking} = spec

  if (networking.disableDefaultCNI) {
    warn('networking.disableDefaultCNI', 'no pod network is installed, so nodes stay NotReady and create does not wait for them: install one (Calico, Cilium…) next')
  }
  if (networking.kubeProxyMode === 'none') {
    warn('networking.kubeProxyMode', 'none leaves kube-proxy out: Services need a replacement, and create does not ask cluster DNS through its Service address')
  }
  return warnings
}
