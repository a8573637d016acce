// storage: the default StorageClass `standard` and the local-path provisioner
// that serves it. Its images are preloaded in the node image, so enabling it
// loads nothing; create enables it unless told not to.
import {LOCAL_PATH_PROVISIONER_VERSION, storageImageRecipes} from '../images/node-image.js'
import type {Addon} from './addon.js'

export const storage: Addon = {
  name: 'storage',
  description: 'Default StorageClass "standard": each volume a folder on the node its pod runs on (local-path provisioner)',
  upstream: {project: 'local-path-provisioner', version: LOCAL_PATH_PROVISIONER_VERSION, source: 'github.com/rancher/local-path-provisioner'},
  defaultEnabled: true,
  images: (env) => {
    const {provisioner, helper} = storageImageRecipes(env)
    return {PROVISIONER_IMAGE: provisioner, HELPER_IMAGE: helper}
  },
  manifests: ['local-path.yaml'],
  readiness: [{kind: 'rollout', resource: 'deployment/local-path-provisioner', namespace: 'local-path-storage'}],
}
