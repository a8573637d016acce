import {InvalidInputError, type InputProblem} from '../../errors/index.js'
import {hostPortProblem} from '../host-checks.js'
import type {Step} from '../../progress/step.js'
import type {CreateContext} from '../create-context.js'
import {required} from '../create-context.js'

/** Every host port the plan publishes must be free before any container starts: Docker would only fail halfway. */
export const checkHostPorts: Step<CreateContext> = {
  id: 'check-host-ports',
  title: 'Check the host ports',
  run: async (ctx) => {
    const plan = required(ctx.plan, 'the plan')
    const ports = [...plan.nodes.flatMap((n) => n.ports), ...(plan.loadBalancer?.ports ?? [])]
    const holders = await Promise.all(ports.map((port) => ctx.provider.portHolder(port)))
    const problems: InputProblem[] = ports.flatMap((port, i) => (holders[i] === undefined ? [] : [hostPortProblem(port, holders[i])]))
    if (problems.length > 0) throw new InvalidInputError(problems)
  },
}
