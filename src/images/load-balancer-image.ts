// The image of the load balancer in front of several control planes: HAProxy
// from Debian, run in the foreground with the configuration create writes.
// Port fronts (`kcluster port add`) run socat from the same image.
import {DEBIAN_RELEASE, debianMirrors, type DebianMirrors} from './debian-sources.js'
import {debianRootfsRecipe} from './kinds/debian-rootfs.js'
import type {ImageRecipe} from './recipe.js'

/** Where create puts the HAProxy configuration before the container starts. */
export const LOAD_BALANCER_CONFIG_PATH = '/etc/haproxy/haproxy.cfg'

export function loadBalancerImageRecipe(options: {root?: string; mirrors?: DebianMirrors} = {}): ImageRecipe {
  return debianRootfsRecipe({
    id: 'load-balancer',
    title: 'Load balancer and port front image (HAProxy and socat from Debian)',
    repository: 'kcluster/load-balancer',
    root: options.root,
    suite: DEBIAN_RELEASE,
    mirrors: options.mirrors ?? debianMirrors(),
    packageList: 'images/rootfs/load-balancer.packages',
    // -W: master-worker, so a SIGUSR2 reloads a rewritten configuration without dropping connections.
    changes: [`ENTRYPOINT ["/usr/sbin/haproxy", "-W", "-db", "-f", "${LOAD_BALANCER_CONFIG_PATH}"]`],
  })
}
