// Grammar of an image reference, simplified from the distribution project's: [domain[:port]/]path[:tag][@digest].
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
const IMAGE_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`)

/** Whether a string could be a Docker image reference (repo[:tag][@digest]); does not check it exists. */
export function isPlausibleImageReference(reference: string): boolean {
  return reference.length <= 512 && IMAGE_REFERENCE.test(reference)
}

/**
 * The fully qualified name containerd stores an image under, as Docker's
 * short forms expand: `app:dev` → `docker.io/library/app:dev`, `me/app` →
 * `docker.io/me/app:latest`; a first component with a dot, a port or
 * `localhost` is a registry and stays.
 */
export function normalizeImageName(reference: string): string {
  const [name, digest] = reference.split('@', 2) as [string, string | undefined]
  const slash = name.indexOf('/')
  const first = slash === -1 ? '' : name.slice(0, slash)
  const isDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost')
  let full = isDomain ? name : slash === -1 ? `docker.io/library/${name}` : `docker.io/${name}`
  const lastPart = full.slice(full.lastIndexOf('/') + 1)
  if (!lastPart.includes(':') && digest === undefined) full += ':latest'
  return digest === undefined ? full : `${full}@${digest}`
}
