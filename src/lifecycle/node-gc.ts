// Go's garbage collector for the node's own services, as for the control
// plane's components (kubeadm/config.ts): collected when the heap has grown
// by 50 % since the last collection, not 100 %, so an idle node holds less
// garbage. Drop-ins written before the node container first starts, so
// containerd and kubelet never run without them.
import type {NodeFile} from '../provider/types.js'

export const GOGC = '50'

function dropIn(service: string): NodeFile {
  return {path: `/etc/systemd/system/${service}.service.d/50-kcluster-gc.conf`, content: `# Written by kcluster create.\n[Service]\nEnvironment=GOGC=${GOGC}\n`}
}

/** The files every node container starts with for its services' garbage collection. */
export function nodeGcFiles(): NodeFile[] {
  return [dropIn('containerd'), dropIn('kubelet')]
}
