// The load-balancer addon end to end on ONE real cluster (1 control plane + 1
// worker): a Service of type LoadBalancer gets an address of the pool carved
// from the cluster's Docker network, the host's ARP finds a node's speaker
// for it, and curl from the host gets the pods' answer. Disabled, MetalLB's
// objects are gone and everything else is as it was; enabled twice, the
// second is a note. The MetalLB image is cached by input hash: only the
// first run on a machine builds it.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {writeFileSync} from 'node:fs'
import {after, before, describe, test} from 'node:test'
import {execa} from 'execa'
import {CLI, buildBusyboxImage, docker, eventually, httpdDeployment, kcluster, kubectlFromImage, kubectlRunner, tempDir} from './helpers.js'

const NAME = 'lb-e2e'
const TEST_IMAGE = 'kcluster-e2e/busybox:1'
/** Kinds whose objects must be exactly as before enable once the addon is disabled. */
const KINDS = 'namespace,deployment,daemonset,replicaset,service,configmap,secret,serviceaccount,role,rolebinding,clusterrole,clusterrolebinding,customresourcedefinition,validatingwebhookconfiguration,mutatingwebhookconfiguration,apiservice,storageclass'
const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`

function ipv4(text: string): number {
  return text.split('.').reduce((n, p) => n * 256 + Number(p), 0)
}

describe('load-balancer: Services of type LoadBalancer reached from the host', {timeout: 60 * 60_000}, () => {
  const dir = tempDir('kcluster-e2e-lb-')
  const kubeconfig = join(dir, 'config')
  let kubectl: (args: string[], input?: string) => Promise<string>
  const timings: Record<string, number> = {}

  before(async () => {
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
    const config = join(dir, 'cluster.yaml')
    writeFileSync(config, 'apiVersion: kcluster.dev/v1alpha1\nkind: Cluster\nnodes:\n- role: control-plane\n- role: worker\n')
    const out = await kcluster(['create', '--name', NAME, '--config', config, '--kubeconfig', kubeconfig, '--wait', '5m'])
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    kubectl = kubectlRunner(await kubectlFromImage(out.envelope.result.image), kubeconfig, out.envelope.result.context)
    await buildBusyboxImage(out.envelope.result.image, TEST_IMAGE)
    assert.equal((await kcluster(['load', 'image', TEST_IMAGE, '--name', NAME])).exitCode, 0)
  })

  after(async () => {
    console.log(`load-balancer timings (ms): ${JSON.stringify(timings)}`)
    await kcluster(['delete', '--name', NAME, '--kubeconfig', kubeconfig])
  })

  const objects = async () => new Set((await kubectl(['get', KINDS, '-A', '-o', 'name'])).split('\n').filter(Boolean))
  const addon = async () => (await kcluster(['addons', 'list', '--name', NAME])).envelope.result.addons.find((a: any) => a.name === 'load-balancer')

  test('a range outside the cluster network is refused with its field before anything is built or installed (exit 3)', async () => {
    const out = await kcluster(['addons', 'enable', 'load-balancer', '--name', NAME, '--option', 'range=10.9.0.1-10.9.0.9'])
    assert.equal(out.exitCode, 3)
    assert.match(out.envelope.error!.message, /--option load-balancer\.range: 10\.9\.0\.1-10\.9\.0\.9 is not inside the cluster network [\d.]+\/24/)
    const listed = await addon()
    assert.deepEqual([listed.state, listed.objects], ['disabled', 0])
  })

  test('enabled, a LoadBalancer Service gets an address of the pool; the host finds it by ARP at a node and curl gets the pods\' answer', async () => {
    await kubectl(['apply', '-f', '-'], httpdDeployment(TEST_IMAGE, 2) + '---' + SERVICE)
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s'])
    const baseline = await objects()
    assert.equal(await kubectl(['get', 'service', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress}']), '', 'no address before the addon')

    const started = Date.now()
    const out = await kcluster(['addons', 'enable', 'load-balancer', '--name', NAME], {}, true)
    assert.equal(out.exitCode, 0, JSON.stringify(out.envelope.error) + out.stderr.slice(-3000))
    timings['enable load-balancer'] = Date.now() - started
    const entry = out.envelope.result.addons[0]
    assert.equal(entry.outcome, 'enabled')

    // The pool: .150-.199 of the cluster's /24, as the network says.
    const network: any = await docker.getNetwork(`kcluster-${NAME}`).inspect()
    const subnet = network.IPAM.Config.find((c: any) => !c.Subnet.includes(':')).Subnet as string
    const prefix = subnet.replace(/\.0\/24$/, '')
    assert.equal(await kubectl(['get', 'ipaddresspool', '-n', 'metallb-system', 'default', '-o', 'jsonpath={.spec.addresses[0]}']), `${prefix}.150-${prefix}.199`)
    assert.match(entry.message, new RegExp(`${prefix.replace(/\./g, '\\.')}\\.150-${prefix.replace(/\./g, '\\.')}\\.199`))

    const assigned = Date.now()
    const ip = await eventually('an external address for the Service', 60_000, async () => (await kubectl(['get', 'service', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])) || undefined)
    assert.ok(ipv4(ip) >= ipv4(`${prefix}.150`) && ipv4(ip) <= ipv4(`${prefix}.199`), `${ip} is in the pool`)

    const answer = await eventually(`curl http://${ip}/ from the host`, 60_000, async () => {
      const curl = await execa('curl', ['-sS', '--max-time', '3', `http://${ip}/`], {reject: false})
      return curl.exitCode === 0 ? curl.stdout : undefined
    })
    assert.match(answer, /^served-by web-/)
    timings['address to first answer'] = Date.now() - assigned

    // The host's neighbour table holds the address at the MAC of a node on the cluster network: layer 2, answered by a speaker.
    const neighbour = (await execa('ip', ['neigh', 'show', ip])).stdout
    const macs = Object.values(network.Containers ?? {}).map((c: any) => String(c.MacAddress).toLowerCase())
    const mac = /lladdr (\S+)/.exec(neighbour)?.[1]?.toLowerCase()
    assert.ok(mac && macs.includes(mac), `ARP of ${ip} (${neighbour}) names a node of the network (${macs.join(', ')})`)
    const announcing = await kubectl(['get', 'servicel2status', '-n', 'metallb-system', '-o', 'jsonpath={.items[*].status.node}'])
    assert.match(announcing, new RegExp(`^${NAME}-(control-plane|worker)`))

    assert.equal((await addon()).state, 'enabled')

    // Enabled twice: a note, nothing done.
    const twice = await kcluster(['addons', 'enable', 'load-balancer', '--name', NAME])
    assert.equal(twice.exitCode, 0)
    assert.equal(twice.envelope.result.addons[0].outcome, 'already-enabled')
    // The note is for people: without --json it is on stderr.
    const plain = await execa(process.execPath, [CLI, 'addons', 'enable', 'load-balancer', '--name', NAME], {reject: false, env: {CI: 'true'}})
    assert.equal(plain.exitCode, 0, plain.stderr)
    assert.match(plain.stderr, /Note: load-balancer is already enabled in lb-e2e; nothing to do/)

    // Disabled: MetalLB's objects are gone, everything else is as it was.
    const disabled = await kcluster(['addons', 'disable', 'load-balancer', '--name', NAME])
    assert.equal(disabled.exitCode, 0, JSON.stringify(disabled.envelope.error))
    assert.equal(disabled.envelope.result.addons[0].outcome, 'disabled')
    assert.ok(disabled.envelope.result.addons[0].removed > 20, `removed ${disabled.envelope.result.addons[0].removed}`)
    assert.equal(await kubectl(['get', 'namespace', 'metallb-system', '--ignore-not-found', '-o', 'name']), '')
    assert.equal(await kubectl(['get', 'crd', '-o', 'name']), '', 'no CRD of MetalLB is left')
    assert.equal(await kubectl(['get', 'validatingwebhookconfiguration,clusterrole,clusterrolebinding', '-l', 'kcluster.dev/addon=load-balancer', '-o', 'name']), '')
    const left = await objects()
    assert.deepEqual([...left].filter((o) => !baseline.has(o)), [], 'nothing of the addon is left')
    assert.deepEqual([...baseline].filter((o) => !left.has(o)), [], 'nothing else was removed')
    const listed = await addon()
    assert.deepEqual([listed.state, listed.objects], ['disabled', 0])
    assert.match(await kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.status.availableReplicas}']), /^2$/)
  })
})
