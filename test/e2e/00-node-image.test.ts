// Builds (or finds) the default node image once, before any cluster test.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {docker, kcluster} from './helpers.js'

test('build node-image produces the default image with every cluster image preloaded', {timeout: 75 * 60_000}, async () => {
  const built = await kcluster(['build', 'node-image'], {}, true)
  assert.equal(built.exitCode, 0, JSON.stringify(built.envelope.error) + built.stderr.slice(-4000))
  const result = built.envelope.result
  assert.match(result.image, /^kcluster\/node:v1\.34\.\d+-[0-9a-f]{12}$/)
  for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'etcd', 'coredns', 'pause']) {
    assert.ok(result.upstreamImages.some((i: string) => i.includes(`/${name}:`)), `kubeadm lists ${name}`)
  }
  const info = await docker.getImage(result.image).inspect()
  assert.equal(info.Config.Labels['io.kcluster.kubernetes-version'], result.kubernetesVersion)
})
