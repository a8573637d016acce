// Builds the node image from Debian packages and upstream Go modules. Each
// intermediate (rootfs images, binaries, component images) is named by the
// hash of its inputs and reused when present, so a rebuild with nothing
// changed only checks that its pieces exist.
import {copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {execa} from 'execa'
import {CommandFailedError} from '../errors/index.js'
import type {Step} from '../progress/step.js'
import {DockerImages} from '../provider/docker/images.js'
import {restrictedHostConfig} from '../provider/docker/container-spec.js'
import {hashFiles, readPackageList} from './inputs.js'
import {cacheDir, packageRoot} from './paths.js'

export const IMAGE_LABEL = 'io.kcluster.image'
export const KUBERNETES_VERSION_LABEL = 'io.kcluster.kubernetes-version'
/** The upstream image names preloaded into the node's containerd. */
export const PRELOADED_LABEL = 'io.kcluster.preloaded-images'
const GO_TOOLCHAIN = 'go1.24.13'
const KUBE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']
const NODE_COMMANDS = ['kubelet', 'kubeadm', 'kubectl']

export interface NodeImagePlan {
  kubernetesVersion: string
  root: string
  cache: string
  builderImage: string
  nodeBaseImage: string
  componentBaseImage: string
  componentsDir: string
  kubeImage: string
  etcdImage: string
  corednsImage: string
  pauseImage: string
  nodeImage: string
}

/** Names every artifact of a build from the hashes of its inputs; no I/O beyond reading our own files. */
export function planNodeImage(kubernetesVersion: string, image?: string, root = packageRoot(), cache = cacheDir()): NodeImagePlan {
  const rootfsHash = (list: string) => hashFiles(root, [`images/rootfs/${list}.packages`], [debianMirror()])
  const componentsHash = hashFiles(root, ['images/components'], [kubernetesVersion, GO_TOOLCHAIN])
  const componentTag = `${kubernetesVersion}-${componentsHash}`
  const nodeHash = hashFiles(root, ['images', 'templates/node'], [kubernetesVersion, GO_TOOLCHAIN, debianMirror(), recipeHash()])
  return {
    kubernetesVersion,
    root,
    cache,
    builderImage: `kcluster/builder:${rootfsHash('builder')}`,
    nodeBaseImage: `kcluster/node-base:${rootfsHash('node')}`,
    componentBaseImage: `kcluster/component-base:${rootfsHash('component')}`,
    componentsDir: join(cache, 'components', componentTag),
    kubeImage: `kcluster/kube:${componentTag}`,
    etcdImage: `kcluster/etcd:${componentTag}`,
    corednsImage: `kcluster/coredns:${componentTag}`,
    pauseImage: `kcluster/pause:${componentTag}`,
    nodeImage: image ?? defaultNodeImage(kubernetesVersion, nodeHash),
  }
}

/** This module is the recipe of the node image: a change to it is a new image. */
function recipeHash(): string {
  return createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).digest('hex')
}

export function defaultNodeImage(kubernetesVersion: string, hash: string): string {
  return `kcluster/node:${kubernetesVersion}-${hash}`
}

export interface NodeImageContext {
  plan: NodeImagePlan
  images: DockerImages
  /** Images kubeadm expects, as it listed them for this version. */
  upstreamImages: string[]
}

function debianMirror(): string {
  return process.env.KCLUSTER_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
}

function debianSources(withBackports: boolean): string[] {
  const mirror = debianMirror()
  const security = process.env.KCLUSTER_DEBIAN_SECURITY_MIRROR ?? mirror.replace(/\/debian\/?$/, '/debian-security')
  return [
    `deb ${mirror} bookworm main`,
    `deb ${mirror} bookworm-updates main`,
    `deb ${security} bookworm-security main`,
    ...(withBackports ? [`deb ${mirror} bookworm-backports main`] : []),
  ]
}

async function buildRootfsImage(ctx: NodeImageContext, reference: string, packageList: string, changes: string[], withBackports: boolean, signal: AbortSignal): Promise<void> {
  const packages = readPackageList(join(ctx.plan.root, 'images/rootfs', `${packageList}.packages`))
  mkdirSync(ctx.plan.cache, {recursive: true})
  const tarball = join(ctx.plan.cache, `rootfs-${packageList}-${process.pid}.tar`)
  const command = [
    'mmdebstrap',
    '--variant=minbase',
    `--include=${packages.join(',')}`,
    '--dpkgopt=path-exclude=/usr/share/man/*',
    '--dpkgopt=path-exclude=/usr/share/doc/*',
    '--dpkgopt=path-exclude=/usr/share/locale/*',
    '--aptopt=Acquire::Retries "3"',
    'bookworm',
    tarball,
    ...debianSources(withBackports),
  ]
  try {
    const result = await execa(command[0]!, command.slice(1), {reject: false, all: true, cancelSignal: signal})
    if (result.failed) {
      const output = result.all ?? ''
      const missing = (result as {code?: string}).code === 'ENOENT'
      throw new CommandFailedError(command, result.exitCode ?? -1, missing ? 'mmdebstrap is not installed: apt-get install mmdebstrap' : output.slice(-6000))
    }
    await ctx.images.importRootfs(tarball, reference, changes, {[IMAGE_LABEL]: packageList})
  } finally {
    rmSync(tarball, {force: true})
  }
}

/** The host's CA bundle, so the builder trusts the same TLS proxies this machine does. */
function hostCaBundle(): string | undefined {
  const candidates = [process.env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']
  return candidates.find((file): file is string => !!file && existsSync(file))
}

function goEnvironment(): Record<string, string> {
  const env: Record<string, string> = {GOTOOLCHAIN: GO_TOOLCHAIN, GOMODCACHE: '/go/mod', GOCACHE: '/go/cache', SOURCE_DATE_EPOCH: '0'}
  for (const key of ['GOPROXY', 'GOSUMDB', 'GONOSUMDB', 'GOPRIVATE', 'GOINSECURE']) {
    const value = process.env[key]
    if (value) env[key] = value
  }
  return env
}

function stageDirectory(ctx: NodeImageContext, name: string): string {
  const dir = join(ctx.plan.componentsDir, 'contexts', name)
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  return dir
}

function renderDockerfile(ctx: NodeImageContext, name: string, values: Record<string, string>): string {
  let text = readFileSync(join(ctx.plan.root, 'images/dockerfiles', `${name}.Dockerfile`), 'utf8')
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(`{{${key}}}`, value)
  return text
}

/** A bin/ folder with the multicall binary and a link for each command name. */
function stageMulticall(ctx: NodeImageContext, dir: string, names: string[]): void {
  const bin = join(dir, 'bin')
  mkdirSync(bin, {recursive: true})
  copyFileSync(join(ctx.plan.componentsDir, 'kube'), join(bin, 'kube'))
  for (const name of names) symlinkSync('kube', join(bin, name))
}

function upstreamImage(ctx: NodeImageContext, component: string): string {
  const found = ctx.upstreamImages.find((image) => image.replace(/:[^:/]+$/, '').endsWith(`/${component}`))
  if (!found) throw new Error(`kubeadm does not list an image for ${component}`)
  return found
}

export function nodeImageSteps(): Step<NodeImageContext>[] {
  return [
    {
      id: 'builder-image',
      title: 'Prepare the Go builder image (Debian bookworm + Go)',
      run: async (ctx, step) => {
        if (await ctx.images.exists(ctx.plan.builderImage)) return step.report(`${ctx.plan.builderImage} is present`)
        await buildRootfsImage(ctx, ctx.plan.builderImage, 'builder', ['ENV PATH=/usr/lib/go-1.23/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], true, step.signal)
      },
    },
    {
      id: 'compile-components',
      title: 'Compile Kubernetes, etcd, CoreDNS and pause from upstream sources',
      run: async (ctx, step) => {
        const dir = ctx.plan.componentsDir
        const outputs = ['kube', 'etcd', 'coredns', 'pause', 'images.txt']
        if (!outputs.every((file) => existsSync(join(dir, file)))) {
          step.report('a cold build takes 10-30 minutes; later builds reuse the Go caches')
          mkdirSync(dir, {recursive: true})
          for (const volume of ['kcluster-go-mod', 'kcluster-go-build']) await ctx.images.ensureVolume(volume, {'io.kcluster.kind': 'cache'})
          const ca = hostCaBundle()
          await ctx.images.runToCompletion({
            image: ctx.plan.builderImage,
            entrypoint: ['bash', '/src/build.sh'],
            command: [ctx.plan.kubernetesVersion],
            env: goEnvironment(),
            binds: [
              'kcluster-go-mod:/go/mod',
              'kcluster-go-build:/go/cache',
              `${join(ctx.plan.root, 'images/components')}:/src:ro`,
              `${dir}:/out`,
              ...(ca ? [`${ca}:/etc/ssl/certs/ca-certificates.crt:ro`] : []),
            ],
            onLine: (line) => {
              if (line.startsWith('### ')) step.report(line.slice(4))
            },
            signal: step.signal,
          })
        }
        ctx.upstreamImages = readFileSync(join(dir, 'images.txt'), 'utf8').split('\n').filter(Boolean)
      },
    },
    {
      id: 'rootfs-images',
      title: 'Prepare the node and component root filesystems (Debian bookworm)',
      run: async (ctx, step) => {
        if (!(await ctx.images.exists(ctx.plan.nodeBaseImage))) {
          step.report('node rootfs: systemd, containerd, runc, iptables, CNI plugins')
          await buildRootfsImage(ctx, ctx.plan.nodeBaseImage, 'node', [], false, step.signal)
        }
        if (!(await ctx.images.exists(ctx.plan.componentBaseImage))) {
          step.report('component rootfs: iptables, conntrack')
          await buildRootfsImage(ctx, ctx.plan.componentBaseImage, 'component', [], false, step.signal)
        }
      },
    },
    {
      id: 'component-images',
      title: 'Build the control-plane, kube-proxy, etcd, CoreDNS and pause images',
      run: async (ctx, step) => {
        const labels = {[IMAGE_LABEL]: 'component'}
        const builds: [string, string, (dir: string) => void, Record<string, string>][] = [
          [ctx.plan.kubeImage, 'kube', (dir) => stageMulticall(ctx, dir, KUBE_COMPONENTS), {BASE: ctx.plan.componentBaseImage}],
          [ctx.plan.etcdImage, 'etcd', (dir) => copyFileSync(join(ctx.plan.componentsDir, 'etcd'), join(dir, 'etcd')), {}],
          [ctx.plan.corednsImage, 'coredns', (dir) => copyFileSync(join(ctx.plan.componentsDir, 'coredns'), join(dir, 'coredns')), {}],
          [ctx.plan.pauseImage, 'pause', (dir) => copyFileSync(join(ctx.plan.componentsDir, 'pause'), join(dir, 'pause')), {}],
        ]
        for (const [reference, name, stage, values] of builds) {
          if (await ctx.images.exists(reference)) continue
          step.report(reference)
          const dir = stageDirectory(ctx, name)
          stage(dir)
          writeFileSync(join(dir, 'Dockerfile'), renderDockerfile(ctx, name, values))
          await ctx.images.buildDirectory(dir, reference, labels)
        }
      },
    },
    {
      id: 'node-image',
      title: 'Assemble the node image and preload the cluster images',
      run: async (ctx, step) => {
        const plan = ctx.plan
        const stagedNode = `${plan.nodeImage}-staged`
        const dir = stageDirectory(ctx, 'node')
        stageMulticall(ctx, dir, NODE_COMMANDS)
        const rootfs = join(dir, 'rootfs')
        const templates = join(plan.root, 'templates/node')
        mkdirSync(join(rootfs, 'usr/local/bin'), {recursive: true})
        mkdirSync(join(rootfs, 'etc/systemd/system/containerd.service.d'), {recursive: true})
        mkdirSync(join(rootfs, 'etc/containerd'), {recursive: true})
        copyFileSync(join(templates, 'entrypoint.sh'), join(rootfs, 'usr/local/bin/kcluster-entrypoint'))
        copyFileSync(join(templates, 'systemd/kubelet.service'), join(rootfs, 'etc/systemd/system/kubelet.service'))
        copyFileSync(join(templates, 'systemd/containerd-override.conf'), join(rootfs, 'etc/systemd/system/containerd.service.d/10-kcluster.conf'))
        const pause = upstreamImage(ctx, 'pause')
        writeFileSync(join(rootfs, 'etc/containerd/config.toml'), readFileSync(join(templates, 'containerd.toml'), 'utf8').replaceAll('{{PAUSE_IMAGE}}', pause))
        writeFileSync(join(dir, 'Dockerfile'), renderDockerfile(ctx, 'node', {BASE: plan.nodeBaseImage}))
        step.report('node image layers')
        await ctx.images.buildDirectory(dir, stagedNode, {[IMAGE_LABEL]: 'node-staged'})

        step.report('saving component images')
        const archive = join(plan.componentsDir, 'images.tar')
        await ctx.images.save([plan.kubeImage, plan.etcdImage, plan.corednsImage, plan.pauseImage], archive)
        const renames: [string, string][] = [
          ...KUBE_COMPONENTS.map((c): [string, string] => [plan.kubeImage, upstreamImage(ctx, c)]),
          [plan.etcdImage, upstreamImage(ctx, 'etcd')],
          [plan.corednsImage, upstreamImage(ctx, 'coredns')],
          [plan.pauseImage, pause],
        ]
        step.report('preloading images into containerd')
        // Unpacking at build time spares every create the copy of each layer into a
        // snapshot. Overlay snapshots cannot be made on the container's own overlay
        // filesystem, so containerd works on a tmpfs and the result is copied in.
        const script = [
          'set -euo pipefail',
          'export CONTAINERD_ADDRESS=/run/preload/containerd.sock',
          'containerd --root /preload-root --state /run/preload --address "$CONTAINERD_ADDRESS" >/tmp/containerd.log 2>&1 &',
          'for i in $(seq 1 200); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done',
          'ctr -n k8s.io images import /preload/images.tar',
          ...renames.map(([from, to]) => `ctr -n k8s.io images tag --force docker.io/${from} ${to}`),
          ...[...new Set(renames.map(([from]) => from))].map((from) => `ctr -n k8s.io images rm docker.io/${from}`),
          'ctr -n k8s.io images ls -q',
          // Unpacked layers need no archived copy: each node then copies half as much.
          "ctr -n k8s.io content ls | tr ',' '\\n' | sed -n 's/.*containerd\\.io\\/gc\\.ref\\.content\\.l\\.[0-9]*=sha256:\\([0-9a-f]*\\).*/\\1/p' | sort -u > /tmp/layers",
          'sed "s/^/sha256:/" /tmp/layers | xargs -r ctr -n k8s.io content rm',
          'kill %1; wait || true',
          // containerd collects the files of removed blobs lazily; it is stopped now, so remove them here.
          'sed "s#^#/preload-root/io.containerd.content.v1.content/blobs/sha256/#" /tmp/layers | xargs -r rm -f',
          'rm -rf /var/lib/containerd && cp -a /preload-root /var/lib/containerd',
          'rm -rf /tmp/* /var/log/*.log',
        ].join('\n')
        try {
          await ctx.images.runToCompletion(
            {
              image: stagedNode,
              entrypoint: ['/bin/bash', '-c'],
              command: [script],
              binds: [`${archive}:/preload/images.tar:ro`],
              hostConfig: {...restrictedHostConfig(), Tmpfs: {'/run': 'rw', '/tmp': 'rw,exec', '/preload-root': 'rw,exec'}},
              signal: step.signal,
            },
            {
              reference: plan.nodeImage,
              changes: [
                'ENTRYPOINT ["/usr/local/bin/kcluster-entrypoint"]',
                'CMD []',
                `LABEL ${IMAGE_LABEL}=node`,
                `LABEL ${KUBERNETES_VERSION_LABEL}=${plan.kubernetesVersion}`,
                `LABEL ${PRELOADED_LABEL}=${ctx.upstreamImages.join(',')}`,
              ],
            },
          )
        } finally {
          rmSync(archive, {force: true})
          // Only the tag goes: its layers live on as the base of the node image.
          await ctx.images.untag(stagedNode)
        }
      },
    },
  ]
}
