// Tests that make real certificates with openssl skip, saying so, where it is missing.
import {execFileSync} from 'node:child_process'

export const hasOpenssl: boolean = (() => {
  try {
    execFileSync('openssl', ['version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()
