// Every config fixture through the whole pipeline create runs before Docker:
// parse, convert, default, validate, plan, try the kubeadm patches, against
// the outcome its header states (see config-fixture-files.ts).
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {InvalidInputError} from '../../src/errors/index.js'
import {fixtureNames, fixtureText, prepareFixture, stated} from './config-fixture-files.js'

describe('valid config fixtures plan, with exactly the warnings they state', () => {
  for (const name of fixtureNames('valid')) {
    test(name, () => {
      const {text, prepared} = prepareFixture('valid', name)
      assert.deepEqual(prepared.warnings, stated(text, 'warn'))
    })
  }
})

describe('invalid config fixtures fail with exactly the problems they state, all at once', () => {
  for (const name of fixtureNames('invalid')) {
    test(name, () => {
      const expected = stated(fixtureText('invalid', name), 'expect')
      assert.ok(expected.length > 0, 'an invalid fixture states what is wrong with it')
      assert.throws(
        () => prepareFixture('invalid', name),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInputError, String(error))
          assert.equal(error.exitCode, 3)
          assert.deepEqual(error.problems, expected)
          return true
        },
      )
    })
  }
})
