// Serving certificates for the kubelet, the controller manager and the
// scheduler, made before kubeadm starts them. Without one each of them makes
// its own self-signed RSA-2048 certificate (two keys: a CA and the leaf) as it
// starts: measured on a 2-core node, 1.7 s of the kubelet's start before it
// boots the static pods, and seconds of CPU taken from the API server while it
// starts. An ECDSA P-256 key takes milliseconds. Nothing verifies these
// certificates against a CA (kubeadm leaves --kubelet-certificate-authority
// unset and checks the components' health without verification), exactly as
// for the self-signed ones they replace.
import {shellQuote} from '../../errors/index.js'
import type {PlannedNode} from '../../plan/plan-cluster.js'
import type {NodeFile} from '../../provider/types.js'

const quoted = (text: string) => shellQuote([text])

/** Where the kubelet looks for its serving certificate before it would make one (its default certDirectory). */
export const KUBELET_SERVING_DIR = '/var/lib/kubelet/pki'
/** The controller manager's and the scheduler's, mounted into their static pods. */
export const COMPONENT_SERVING_DIR = '/etc/kubernetes/serving'

/** The same validity as the certificates kubeadm makes (certificateValidityPeriod). */
const VALIDITY_DAYS = 365

export interface ServingCertificate {
  /** Without the extension. */
  path: string
  commonName: string
  dnsNames: string[]
  ipAddresses: string[]
}

export type ServedComponent = 'kube-controller-manager' | 'kube-scheduler'

export const SERVED_COMPONENTS: ServedComponent[] = ['kube-controller-manager', 'kube-scheduler']

/** Each component its own directory, mounted into its pod alone. */
function componentDir(component: ServedComponent): string {
  return `${COMPONENT_SERVING_DIR}/${component}`
}

function componentPath(component: ServedComponent): string {
  return `${componentDir(component)}/serving`
}

/** Every serving certificate a node needs before kubeadm runs on it. */
export function servingCertificates(node: Pick<PlannedNode, 'name' | 'ipv4' | 'role'>): ServingCertificate[] {
  const kubelet: ServingCertificate = {path: `${KUBELET_SERVING_DIR}/kubelet`, commonName: node.name, dnsNames: [node.name, 'localhost'], ipAddresses: [node.ipv4, '127.0.0.1']}
  if (node.role !== 'control-plane') return [kubelet]
  // Both serve on the node's loopback only (kubeadm's --bind-address=127.0.0.1).
  const components = SERVED_COMPONENTS.map((component) => ({path: componentPath(component), commonName: component, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1']}))
  return [kubelet, ...components]
}

/**
 * One shell command that writes each certificate and key a node lacks (an existing pair is kept, as the
 * components keep theirs; half a pair is made anew), for `sh -c` in the node.
 */
export function servingCertificatesScript(certificates: ServingCertificate[]): string {
  const lines = ['set -e']
  for (const cert of certificates) {
    const san = [...cert.dnsNames.map((n) => `DNS:${n}`), ...cert.ipAddresses.map((ip) => `IP:${ip}`)].join(',')
    const dir = cert.path.slice(0, cert.path.lastIndexOf('/'))
    lines.push(
      `{ [ -s ${quoted(`${cert.path}.crt`)} ] && [ -s ${quoted(`${cert.path}.key`)} ]; } || { mkdir -p ${quoted(dir)} && (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days ${VALIDITY_DAYS}` +
        ` -subj ${quoted(`/CN=${cert.commonName}`)} -addext ${quoted(`subjectAltName=${san}`)} -addext 'extendedKeyUsage=serverAuth' -addext 'basicConstraints=critical,CA:FALSE'` +
        ` -keyout ${quoted(`${cert.path}.key`)} -out ${quoted(`${cert.path}.crt`)} 2>/dev/null); }`,
    )
  }
  return lines.join('\n')
}

/** The unit that makes them as the node boots, beside containerd; the kubelet starts after it. */
export const SERVING_CERTIFICATES_UNIT = 'kcluster-serving-certificates.service'

/**
 * The files that make a node's serving certificates as it boots (servingCertificatesScript, run by a oneshot
 * unit that containerd's start pulls in, and that the kubelet starts after): written into the node before its
 * first start, so the create waits for no command in the node before kubeadm. Should the unit fail, the kubelet
 * still starts, and each component makes its own certificate, as without these.
 */
export function servingCertificatesFiles(node: Pick<PlannedNode, 'name' | 'ipv4' | 'role'>): NodeFile[] {
  const script = '/etc/kcluster/serving-certificates.sh'
  const unit = `# Written by kcluster create.\n[Unit]\nDescription=Serving certificates of the kubelet and the control plane's components\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh ${script}\n`
  const wants = (after: boolean) => `# Written by kcluster create.\n[Unit]\nWants=${SERVING_CERTIFICATES_UNIT}\n${after ? `After=${SERVING_CERTIFICATES_UNIT}\n` : ''}`
  return [
    {path: script, content: `${servingCertificatesScript(servingCertificates(node))}\n`, mode: 0o755},
    {path: `/etc/systemd/system/${SERVING_CERTIFICATES_UNIT}`, content: unit, mode: 0o644},
    {path: '/etc/systemd/system/containerd.service.d/50-kcluster-serving-certificates.conf', content: wants(false), mode: 0o644},
    {path: '/etc/systemd/system/kubelet.service.d/50-kcluster-serving-certificates.conf', content: wants(true), mode: 0o644},
  ]
}

/** The controller manager's and the scheduler's flags and the mount of their certificates, for ClusterConfiguration. */
export function componentServingConfig(component: ServedComponent): {args: {name: string; value: string}[]; volume: Record<string, unknown>} {
  return {
    args: [
      {name: 'tls-cert-file', value: `${componentPath(component)}.crt`},
      {name: 'tls-private-key-file', value: `${componentPath(component)}.key`},
    ],
    volume: {name: 'serving-certificate', hostPath: componentDir(component), mountPath: componentDir(component), readOnly: true, pathType: 'Directory'},
  }
}
