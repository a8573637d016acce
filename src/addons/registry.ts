// registry: a local OCI registry (distribution, built here from its Go
// module) for `docker push localhost:5001/…` and pods that run what was
// pushed. One registry serves every cluster of the machine: a Docker
// container, kcluster-registry, on the network of each cluster that enabled
// it, where nodes reach it by name; containerd of every node resolves
// localhost:5001 to it through hosts.toml under its config_path. Its images
// live in the volume kcluster-registry-data, which outlives clusters and the
// container (the last cluster to disable it removes the container, not the data).
import {goBinaryImageRecipe, goBuilderRecipe} from '../images/index.js'
import type {Addon} from './addon.js'

export const REGISTRY_VERSION = 'v3.0.0'
export const REGISTRY_NAME = 'kcluster-registry'
export const REGISTRY_HOST_PORT = 5001
export const REGISTRY_VOLUME = 'kcluster-registry-data'
const MODULE = 'github.com/distribution/distribution/v3'
/** containerd's config_path in the node image (templates/node/containerd.toml). */
export const CONTAINERD_HOSTS_DIR = '/etc/containerd/certs.d'

/** How containerd of a node reaches the registry when a pod names localhost:5001/…. */
export function registryHostsToml(name = REGISTRY_NAME): string {
  return [`server = "http://${name}:5000"`, '', `[host."http://${name}:5000"]`, '  capabilities = ["pull", "resolve"]', ''].join('\n')
}

export const registry: Addon = {
  name: 'registry',
  description: `Local OCI registry on localhost:${REGISTRY_HOST_PORT}, shared by every cluster; pods run what you push there`,
  upstream: {project: 'distribution', version: REGISTRY_VERSION, source: MODULE},
  hostImages: (env) => ({
    REGISTRY_IMAGE: goBinaryImageRecipe({
      id: 'registry',
      title: `registry (distribution ${REGISTRY_VERSION}) image`,
      repository: 'kcluster/registry',
      root: env.root,
      builder: goBuilderRecipe(env),
      module: MODULE,
      version: REGISTRY_VERSION,
      programs: {registry: './cmd/registry'},
      ldflags: `-s -w -X ${MODULE}/version.version=$VERSION -X ${MODULE}/version.mainpkg=${MODULE}`,
      entrypoint: ['/usr/local/bin/registry', 'serve', '/etc/distribution/config.yml'],
      files: {'files/config.yml': 'images/registry/config.yml'},
      extra: ['COPY files/config.yml /etc/distribution/config.yml', 'EXPOSE 5000'],
    }),
  }),
  hostContainer: () => ({
    name: REGISTRY_NAME,
    image: 'REGISTRY_IMAGE',
    shared: true,
    ports: [{hostPort: REGISTRY_HOST_PORT, containerPort: 5000, listenAddress: '127.0.0.1'}],
    volumes: {[REGISTRY_VOLUME]: '/var/lib/registry'},
    readyPort: 5000,
  }),
  hostPorts: () => [{hostPort: REGISTRY_HOST_PORT, listenAddress: '127.0.0.1', purpose: 'the local registry'}],
  nodeFiles: () => [{path: `${CONTAINERD_HOSTS_DIR}/localhost:${REGISTRY_HOST_PORT}/hosts.toml`, content: registryHostsToml()}],
  manifests: ['local-registry-hosting.yaml'],
  values: () => ({REGISTRY_HOST_PORT: String(REGISTRY_HOST_PORT), REGISTRY_NAME}),
  readiness: [
    {
      kind: 'probe',
      what: 'configmap local-registry-hosting in kube-public',
      probe: async (runtime) => ((await runtime.kubectl(['get', 'configmap', '-n', 'kube-public', 'local-registry-hosting', '-o', 'name'])).trim() ? undefined : 'not there yet'),
    },
  ],
  message: async () => `Push with \`docker push localhost:${REGISTRY_HOST_PORT}/<image>:<tag>\`; pods run \`localhost:${REGISTRY_HOST_PORT}/<image>:<tag>\`.`,
}
