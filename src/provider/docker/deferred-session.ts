// Stands for dockerode's lib/session.js (see deferred-modules.ts): gRPC loads when a BuildKit session opens.
import {loadDeferred} from './deferred-modules.js'

function withSession(...args: unknown[]): unknown {
  return loadDeferred('session')(...args)
}
export {withSession as 'module.exports'}
