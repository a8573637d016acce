// The node image as a tree of recipes: Debian root filesystems, the upstream
// components compiled from their Go modules into an image of binaries, one
// image per component, and the node with those images preloaded into its
// containerd.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {ImageBuilder} from '../provider/image-builder.js'
import {DEBIAN_RELEASE, debianMirrors, type DebianMirrors} from './debian-sources.js'
import {DEBIAN_BOOTSTRAP_GO, debianGoBin, debianGoPackage} from './go-toolchain.js'
import {debianRootfsRecipe} from './kinds/debian-rootfs.js'
import {dockerfileRecipe} from './kinds/dockerfile.js'
import {goModuleRecipe} from './kinds/go-module.js'
import {SAVED_IMAGES_PATH, runAndCommitRecipe} from './kinds/run-and-commit.js'
import {fillPlaceholders} from './placeholders.js'
import type {ImageRecipe} from './recipe.js'

export const KUBERNETES_VERSION_LABEL = 'io.kcluster.kubernetes-version'
/** Where the preloaded layers' files are, outside the node's /var volume. */
const PRELOADED_SNAPSHOTS = '/opt/kcluster/snapshots'

/** The upstream image names preloaded into the node's containerd, comma-separated. */
export const PRELOADED_LABEL = 'io.kcluster.preloaded-images'
const KUBE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']
const NODE_COMMANDS = ['kubelet', 'kubeadm', 'kubectl']
/** The images of kcluster's own cluster parts preloaded beside them: `<recipe id>=<reference>,…`. */
export const BUNDLED_IMAGES_LABEL = 'io.kcluster.bundled-images'
export const LOCAL_PATH_PROVISIONER_VERSION = 'v0.0.30'
export const FLANNEL_VERSION = 'v0.27.4'
/** cri-tools' release for Kubernetes 1.34; crictl lets people and `export logs` see the node's containers. */
export const CRI_TOOLS_VERSION = 'v1.34.0'
/** The binaries image also holds kubeadm's list of the images this version needs. */
const UPSTREAM_IMAGES_FILE = '/images.txt'

export interface NodeImageOptions {
  /** Folder holding images/ and templates/; default kcluster's package root. */
  root?: string
  /** Default: from KCLUSTER_DEBIAN_MIRROR or this machine's apt sources. */
  mirrors?: DebianMirrors
}

/** The Go build container: Debian's Go, which fetches the toolchain of go-toolchain.ts. Shared by every Go recipe. */
export function goBuilderRecipe({root, mirrors = debianMirrors()}: NodeImageOptions = {}): ImageRecipe {
  return debianRootfsRecipe({
    id: 'builder',
    title: `Go builder image (Debian ${DEBIAN_RELEASE} + Go ${DEBIAN_BOOTSTRAP_GO})`,
    repository: 'kcluster/builder',
    root,
    suite: DEBIAN_RELEASE,
    mirrors,
    packageList: 'images/rootfs/builder.packages',
    backports: true,
    extraPackages: [debianGoPackage()],
    changes: [`ENV PATH=${debianGoBin()}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`],
  })
}

/** The node's Debian root filesystem (systemd, containerd, runc, CNI plugins, busybox). */
export function nodeBaseRecipe({root, mirrors = debianMirrors()}: NodeImageOptions = {}): ImageRecipe {
  return debianRootfsRecipe({id: 'node-base', title: 'Node root filesystem (systemd, containerd, runc, CNI plugins)', repository: 'kcluster/node-base', root, suite: DEBIAN_RELEASE, mirrors, packageList: 'images/rootfs/node.packages'})
}

/** The local-path provisioner from its Go module and the busybox image of its helper pods (the storage addon's images). */
export function storageImageRecipes(options: NodeImageOptions = {}): {provisioner: ImageRecipe; helper: ImageRecipe} {
  const {root} = options
  const mirrors = options.mirrors ?? debianMirrors()
  const storageBinaries = goModuleRecipe({
    id: 'storage-binaries',
    title: 'Compile the local-path provisioner from its Go module',
    repository: 'kcluster/storage-binaries',
    tagPrefix: LOCAL_PATH_PROVISIONER_VERSION,
    root,
    builder: goBuilderRecipe({root, mirrors}),
    source: 'images/storage',
    script: 'build.sh',
    args: [LOCAL_PATH_PROVISIONER_VERSION],
  })
  const provisioner = dockerfileRecipe({
    id: 'local-path-provisioner',
    title: 'local-path provisioner image',
    repository: 'kcluster/local-path-provisioner',
    tagPrefix: LOCAL_PATH_PROVISIONER_VERSION,
    root,
    dockerfile: 'images/dockerfiles/local-path-provisioner.Dockerfile',
    images: {BINARIES: storageBinaries},
  })
  const helper = dockerfileRecipe({id: 'storage-helper', title: 'Storage helper image (busybox)', repository: 'kcluster/storage-helper', root, dockerfile: 'images/dockerfiles/storage-helper.Dockerfile', images: {BASE: nodeBaseRecipe({root, mirrors})}})
  return {provisioner, helper}
}

export function nodeImageRecipe(kubernetesVersion: string, options: NodeImageOptions = {}): ImageRecipe {
  const {root} = options
  const mirrors = options.mirrors ?? debianMirrors()
  const rootfs = (id: string, title: string, list: string, extra: {backports?: boolean; extraPackages?: string[]; changes?: string[]} = {}) =>
    debianRootfsRecipe({id, title, repository: `kcluster/${id}`, root, suite: DEBIAN_RELEASE, mirrors, packageList: `images/rootfs/${list}.packages`, ...extra})

  const builder = goBuilderRecipe({root, mirrors})
  const binaries = goModuleRecipe({
    id: 'kube-binaries',
    title: 'Compile Kubernetes, etcd, CoreDNS and pause from upstream sources',
    repository: 'kcluster/kube-binaries',
    tagPrefix: kubernetesVersion,
    root,
    builder,
    source: 'images/components',
    script: 'build.sh',
    args: [kubernetesVersion],
  })
  const componentBase = rootfs('component-base', 'Component root filesystem (iptables, conntrack)', 'component')
  const nodeBase = nodeBaseRecipe({root, mirrors})
  const component = (id: string, title: string, images: Record<string, ImageRecipe>, values?: Record<string, string>) =>
    dockerfileRecipe({id, title, repository: `kcluster/${id}`, tagPrefix: kubernetesVersion, root, dockerfile: `images/dockerfiles/${id}.Dockerfile`, images, values})
  const components = [
    component('kube', 'Control-plane and kube-proxy image', {BASE: componentBase, BINARIES: binaries}, {COMMANDS: KUBE_COMPONENTS.join(' ')}),
    component('etcd', 'etcd image', {BINARIES: binaries}),
    component('coredns', 'CoreDNS image', {BINARIES: binaries}),
    component('pause', 'pause image', {BINARIES: binaries}),
  ]
  // Dynamic volumes for the default StorageClass (the storage addon): the provisioner and the image of its helper pods.
  const {provisioner, helper: storageHelper} = storageImageRecipes({root, mirrors})
  // The pod network across nodes: flanneld keeps a route to every other node's pods.
  const networkBinaries = goModuleRecipe({
    id: 'network-binaries',
    title: 'Compile flannel from its Go module',
    repository: 'kcluster/network-binaries',
    tagPrefix: FLANNEL_VERSION,
    root,
    builder,
    source: 'images/network',
    script: 'build.sh',
    args: [FLANNEL_VERSION],
  })
  const flannel = dockerfileRecipe({
    id: 'flannel',
    title: 'flannel image',
    repository: 'kcluster/flannel',
    tagPrefix: FLANNEL_VERSION,
    root,
    dockerfile: 'images/dockerfiles/flannel.Dockerfile',
    images: {BASE: componentBase, BINARIES: networkBinaries},
  })
  const bundled = [provisioner, storageHelper, flannel]
  // Its own recipe so a new crictl rebuilds only the node's top layers, never Kubernetes.
  const criTools = goModuleRecipe({
    id: 'cri-tools',
    title: 'Compile crictl from the cri-tools Go module',
    repository: 'kcluster/cri-tools',
    tagPrefix: CRI_TOOLS_VERSION,
    root,
    builder,
    source: 'images/cri-tools',
    script: 'build.sh',
    args: [CRI_TOOLS_VERSION],
  })
  const staged = dockerfileRecipe({
    id: 'node-staged',
    title: 'Node image layers',
    repository: 'kcluster/node-staged',
    tagPrefix: kubernetesVersion,
    root,
    dockerfile: 'images/dockerfiles/node.Dockerfile',
    images: {BASE: nodeBase, BINARIES: binaries, CRI_TOOLS: criTools},
    values: {COMMANDS: NODE_COMMANDS.join(' ')},
    copy: {
      'rootfs/usr/local/bin/kcluster-entrypoint': 'templates/node/entrypoint.sh',
      'rootfs/usr/local/bin/kcluster-kubelet-client-store': 'templates/node/kubelet-client-store.sh',
      'rootfs/etc/systemd/system/kubelet.service': 'templates/node/systemd/kubelet.service',
      'rootfs/etc/systemd/system/containerd.service.d/10-kcluster.conf': 'templates/node/systemd/containerd-override.conf',
      'rootfs/etc/crictl.yaml': 'templates/node/crictl.yaml',
    },
    inputs: {files: ['templates/node/containerd.toml'], code: [import.meta.url]},
    stage: async (ctx, directory) => {
      const upstream = await upstreamImages(ctx.builder, ctx.dependencies[binaries.id]!)
      const template = readFileSync(join(ctx.root, 'templates/node/containerd.toml'), 'utf8')
      mkdirSync(join(directory, 'rootfs/etc/containerd'), {recursive: true})
      writeFileSync(join(directory, 'rootfs/etc/containerd/config.toml'), fillPlaceholders(template, {PAUSE_IMAGE: upstreamImage(upstream, 'pause')}, 'containerd.toml'))
    },
  })
  return runAndCommitRecipe({
    id: 'node',
    title: 'Node image with the cluster images preloaded',
    repository: 'kcluster/node',
    tagPrefix: kubernetesVersion,
    root,
    base: staged,
    saveImages: [...components, ...bundled],
    uses: [binaries],
    nodePowers: true,
    tmpfs: {'/run': 'rw', '/tmp': 'rw,exec', '/preload-root': 'rw,exec'},
    inputs: {values: {kubernetesVersion}, code: [import.meta.url]},
    prepare: async (ctx) => {
      const upstream = await upstreamImages(ctx.builder, ctx.dependencies[binaries.id]!)
      const [kube, etcd, coredns, pause] = components.map((recipe) => ctx.dependencies[recipe.id]!) as [string, string, string, string]
      const renames: [string, string][] = [
        ...KUBE_COMPONENTS.map((name): [string, string] => [kube, upstreamImage(upstream, name)]),
        [etcd, upstreamImage(upstream, 'etcd')],
        [coredns, upstreamImage(upstream, 'coredns')],
        [pause, upstreamImage(upstream, 'pause')],
      ]
      return {
        script: preloadScript(renames),
        changes: ['ENTRYPOINT ["/usr/local/bin/kcluster-entrypoint"]', 'CMD []'],
        labels: {
          [KUBERNETES_VERSION_LABEL]: kubernetesVersion,
          [PRELOADED_LABEL]: upstream.join(','),
          [BUNDLED_IMAGES_LABEL]: bundled.map((recipe) => `${recipe.id}=${ctx.dependencies[recipe.id]}`).join(','),
        },
      }
    },
  })
}

/**
 * Imports the saved images into containerd's k8s.io namespace under the names
 * kubeadm expects. Unpacking at build time spares every create the copy of each
 * layer into a snapshot. Overlay snapshots cannot be made on the container's
 * own overlay filesystem, so containerd works on a tmpfs and the result is copied in.
 */
function preloadScript(renames: [string, string][]): string {
  return [
    'set -euo pipefail',
    'export CONTAINERD_ADDRESS=/run/preload/containerd.sock',
    'containerd --root /preload-root --state /run/preload --address "$CONTAINERD_ADDRESS" >/tmp/containerd.log 2>&1 &',
    'for i in $(seq 1 200); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done',
    'echo "### importing the images into containerd"',
    `ctr -n k8s.io images import ${SAVED_IMAGES_PATH}`,
    ...renames.map(([from, to]) => `ctr -n k8s.io images tag --force docker.io/${from} ${to}`),
    ...[...new Set(renames.map(([from]) => from))].map((from) => `ctr -n k8s.io images rm docker.io/${from}`),
    'ctr -n k8s.io images ls -q',
    // Unpacked layers need no archived copy: each node then copies half as much.
    "ctr -n k8s.io content ls | tr ',' '\\n' | sed -n 's/.*containerd\\.io\\/gc\\.ref\\.content\\.l\\.[0-9]*=sha256:\\([0-9a-f]*\\).*/\\1/p' | sort -u > /tmp/layers",
    'sed "s/^/sha256:/" /tmp/layers | xargs -r ctr -n k8s.io content rm',
    'kill %1; wait || true',
    // containerd collects the files of removed blobs lazily; it is stopped now, so remove them here.
    'sed "s#^#/preload-root/io.containerd.content.v1.content/blobs/sha256/#" /tmp/layers | xargs -r rm -f',
    'echo "### copying the preloaded images into the image"',
    // Each node's /var is a volume, which Docker fills from the image when the node
    // first starts, and empties on delete: copying and then removing every layer's
    // files for each node. The unpacked layers live outside /var instead, and the
    // snapshots in /var link to them: overlay takes a lower directory on the
    // image's own filesystem, and a preloaded snapshot is only ever a lower one.
    `mkdir -p ${PRELOADED_SNAPSHOTS}`,
    'for dir in /preload-root/io.containerd.snapshotter.v1.overlayfs/snapshots/*/; do',
    '  id=$(basename "$dir")',
    `  cp -a "$dir/fs" ${PRELOADED_SNAPSHOTS}/$id && rm -rf "$dir/fs" && ln -s ${PRELOADED_SNAPSHOTS}/$id "$dir/fs"`,
    'done',
    'rm -rf /var/lib/containerd && cp -a /preload-root /var/lib/containerd',
    'rm -rf /tmp/* /var/log/*.log',
  ].join('\n')
}

/** The images kubeadm expects for this version, as it listed them when the binaries were built. */
async function upstreamImages(builder: ImageBuilder, binaries: string): Promise<string[]> {
  return (await builder.readFile(binaries, UPSTREAM_IMAGES_FILE)).toString('utf8').split('\n').filter(Boolean)
}

function upstreamImage(upstream: string[], component: string): string {
  const found = upstream.find((image) => image.replace(/:[^:/]+$/, '').endsWith(`/${component}`))
  if (!found) throw new Error(`kubeadm does not list an image for ${component}`)
  return found
}
