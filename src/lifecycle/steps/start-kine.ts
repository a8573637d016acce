// The light profile: kine's image is ensured before anything of the cluster
// exists (built the first time, like the load balancer's), then its program
// goes into the control plane and starts there before kubeadm init.
import {KINE_BINARY_PATH} from '../../images/index.js'
import type {Step} from '../../progress/step.js'
import {CommandFailedError} from '../../errors/index.js'
import type {CreateContext} from '../create-context.js'
import {initNode, required} from '../create-context.js'
import {KINE_BINARY, KINE_LISTEN_ADDRESS, KINE_UNIT, KINE_UNIT_PATH, kineUnit} from '../kine.js'
import {waitFor} from '../wait.js'

const notLight = (ctx: CreateContext) => (required(ctx.plan, 'the plan').profile === 'light' ? undefined : 'profile default: etcd')

export const ensureKineImage: Step<CreateContext> = {
  id: 'ensure-kine-image',
  title: 'Ensure the kine image (profile light)',
  skip: notLight,
  run: async (ctx, step) => {
    ctx.kineImage = (await ctx.images.ensureKine(step)).reference
  },
}

export const startKine: Step<CreateContext> = {
  id: 'start-kine',
  title: "Start kine, the API server's datastore (SQLite)",
  skip: notLight,
  run: async (ctx, step) => {
    const node = initNode(ctx)
    const binary = await ctx.provider.images.readFile(required(ctx.kineImage, 'the kine image'), KINE_BINARY_PATH)
    await node.writeFile(KINE_BINARY, binary, 0o755)
    await node.writeFile(KINE_UNIT_PATH, kineUnit(), 0o644)
    await node.exec(['systemctl', 'daemon-reload'], {signal: step.signal})
    await node.exec(['systemctl', 'enable', '--now', KINE_UNIT], {signal: step.signal})
    const [host, port] = KINE_LISTEN_ADDRESS.split(':') as [string, string]
    try {
      await waitFor({what: `kine listening on ${KINE_LISTEN_ADDRESS} in node ${node.name}`, timeoutMs: 30_000, intervalMs: 100, signal: step.signal}, async () => {
        await node.exec(['bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], {signal: step.signal})
        return true
      })
    } catch (error) {
      const journal = await node.exec(['journalctl', '--no-pager', '-n', '40', '-u', KINE_UNIT], {allowFailure: true})
      const command = ['systemctl', 'start', KINE_UNIT]
      throw new CommandFailedError(command, 1, `${String((error as Error)?.message ?? error)}\n${journal.stdout}`.trim(), {container: node.containerName, description: `node ${node.name}`})
    }
  },
}
