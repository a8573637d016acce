// Stands for docker-modem's lib/ssh.js (see deferred-modules.ts): ssh2 loads on the first ssh:// connection.
import {loadDeferred} from './deferred-modules.js'

function ssh(...args: unknown[]): unknown {
  return loadDeferred('ssh')(...args)
}
export {ssh as 'module.exports'}
