import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {coreDnsPatch} from '../../src/lifecycle/steps/install-pod-network.js'

describe('CoreDNS as create patches it', () => {
  test('one replica on a cluster of one node, kubeadm’s two elsewhere', () => {
    assert.equal((coreDnsPatch('172.30.0.10', 1) as any).spec.replicas, 1)
    assert.equal((coreDnsPatch('172.30.0.10', 3) as any).spec.replicas, undefined)
  })

  test('reaches the API server by address, asked ready every second', () => {
    const container = (coreDnsPatch('172.30.0.10', 1) as any).spec.template.spec.containers[0]
    assert.deepEqual(container.env, [
      {name: 'KUBERNETES_SERVICE_HOST', value: '172.30.0.10'},
      {name: 'KUBERNETES_SERVICE_PORT', value: '6443'},
    ])
    assert.equal(container.readinessProbe.periodSeconds, 1)
  })
})
