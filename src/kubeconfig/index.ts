export {resolveKubeconfigPath} from './paths.js'
export {
  listContextNames,
  mergeKubeconfig,
  parseAdminKubeconfig,
  readCurrentContext,
  readContextAccess,
  readKubeconfig,
  removeFromKubeconfig,
  renderKubeconfig,
  writeFileAtomic,
  type AdminCredentials,
  type ClusterAccess,
} from './kubeconfig.js'
export {withFileLock, type LockOptions} from '../files/lock.js'
