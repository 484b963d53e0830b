/**
 * The registry as a launcher starts it for a node: `localregistry serve --tls` on the host side of
 * the node's veth, a certificate for `registry.test.internal`, and the node's client
 * configuration (`--client-config`) mirroring registry.test.internal, docker.io and ghcr.io,
 * written before the URL is announced. Requests are logged, for assertions and failure messages.
 *
 * ```ts
 * await using registry = await serveForNode(node, work.join('registry'), { 'app:latest': layout })
 * registry.hostsDir // DIR/containerd/certs.d, containerd's config_path
 * ```
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { withServerLog } from '../clients/server.ts'
import { startDaemon, waitUntilReady, type Daemon } from '../tools/exec.ts'

const ROOT = join(import.meta.dirname, '..', '..')
/** The project's Node 24 (runs .ts directly); the machine's node may be older. */
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
const CLI = join(ROOT, 'src', 'cli', 'main.ts')

/** The hosts the client configuration mirrors. */
export const MIRRORED = ['registry.test.internal', 'docker.io', 'ghcr.io'] as const

export interface NodeRegistry extends AsyncDisposable {
  readonly daemon: Daemon
  /** What serve announced: `https://HOST_SIDE:PORT`. */
  readonly url: string
  /** `registry.test.internal:PORT`: the registry by the name the node resolves. */
  readonly address: string
  /** The `--client-config` directory. */
  readonly config: string
  /** The `--ca-out` file. */
  readonly caFile: string
  /** `config/containerd/certs.d`: containerd's config_path and ctr's --hosts-dir. */
  readonly hostsDir: string
  /** Runs `body`; a failure carries what the registry logged meanwhile. */
  explained(body: () => Promise<void>): Promise<void>
}

/** Serves `images` (`REPO:TAG` → layout directory) on `node.hostAddress`; state in `dir` (created). */
export async function serveForNode(node: { hostAddress: string }, dir: string, images: Record<string, string>): Promise<NodeRegistry> {
  await mkdir(dir, { recursive: true })
  const config = join(dir, 'client-config')
  const caFile = join(dir, 'ca.crt')
  const readyFile = join(dir, 'ready')
  const daemon = startDaemon(
    NODE,
    [
      CLI,
      'serve',
      ...Object.entries(images).flatMap(([name, layout]) => ['--image', `${name}=${layout}`]),
      ...['--listen', `${node.hostAddress}:0`, '--tls', '--hostname', 'registry.test.internal', '--advertise', 'registry.test.internal'],
      ...['--ca-out', caFile, '--client-config', config],
      ...MIRRORED.flatMap((host) => ['--mirror-for', host]),
      ...['--ready-file', readyFile, '--log-requests'],
    ],
    { stopTimeoutMs: 10_000 },
  )
  try {
    await waitUntilReady(daemon, 'localregistry serve', async () => (await readFile(readyFile, 'utf8')).endsWith('\n'))
  } catch (error) {
    await daemon.stop()
    throw error
  }
  const url = (await readFile(readyFile, 'utf8')).trim()
  return {
    daemon,
    url,
    address: `registry.test.internal:${new URL(url).port}`,
    config,
    caFile,
    hostsDir: join(config, 'containerd', 'certs.d'),
    explained: async (body) => {
      const start = daemon.output().length
      try {
        await body()
      } catch (error) {
        throw withServerLog(error, daemon.output().slice(start).split('\n'))
      }
    },
    [Symbol.asyncDispose]: () => daemon.stop(),
  }
}
