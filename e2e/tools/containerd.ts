/**
 * A private containerd daemon (root, state, socket and config in a temp dir)
 * and `ctr` to pull through it. Needs root.
 *
 * `ctr images pull` does the registry traffic itself (containerd 1.6 has no
 * transfer service): it resolves a tag with `HEAD /v2/REPO/manifests/TAG`, then
 * fetches the manifest, config and layers by digest, stores them through the
 * daemon, and unpacks the host platform's layers into the snapshotter.
 *
 * ```ts
 * await using ctrd = await startContainerd();
 * const digest = await ctrd.pull(`127.0.0.1:${port}/repo:tag`, { allPlatforms: true });
 * ```
 */
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { run, startDaemon, waitUntilReady, wrapCommand, type RunResult } from './exec.ts'
import { toolPath } from './require-tool.ts'
import { filesystemType, makeTempDir, unmountUnder } from '../../test/support/temp-dir.ts'

export type Snapshotter = 'overlayfs' | 'native'

export interface ContainerdOptions {
  /** Path of the containerd binary. Default: `containerd` on PATH. */
  containerd?: string
  /** Path of ctr. Default: `ctr` on PATH. */
  ctr?: string
  /**
   * Snapshotter layers are unpacked into. Default "overlayfs", or "native" (plain
   * copies, works anywhere) when the temp dir is itself on overlayfs.
   */
  snapshotter?: Snapshotter
  /** containerd namespace for images. Default "test". */
  namespace?: string
  /** Limit for each ctr command. Default 60 s. */
  timeoutMs?: number
  /** How long to wait for the socket. Default 15 s. */
  readyTimeoutMs?: number
  /**
   * Registry hosts directory (`certs.d`): the daemon config's CRI `config_path`, as on a node,
   * and the `--hosts-dir` of every pull (ctr resolves itself). Default: an empty one in the temp dir.
   */
  hostsDir?: string
  /** Runs the daemon and every ctr through this command, e.g. `['ip', 'netns', 'exec', NAME]`. */
  wrapper?: readonly string[]
}

export interface PullOptions {
  /** `--all-platforms`: fetch every platform of an index (only the host's is unpacked). Default false. */
  allPlatforms?: boolean
  /** `--plain-http`: talk HTTP, not HTTPS. Default true. */
  plainHttp?: boolean
  /** `--hosts-dir` for this pull. Default: the daemon's hosts directory. */
  hostsDir?: string
  /** `--platform`, e.g. "linux/arm64". */
  platform?: string
  timeoutMs?: number
  signal?: AbortSignal
}

/** One row of `ctr images check`. */
export interface ImageStatus {
  ref: string
  mediaType: string
  /** Target digest: the manifest or index the reference points at. */
  digest: string
  /** e.g. "complete (2/2)", or "incomplete (1/2)" when content is missing. */
  status: string
  /** Whether the host platform's layers are unpacked into the snapshotter. */
  unpacked: boolean
}

export interface Containerd extends AsyncDisposable {
  /** The daemon's gRPC socket (`ctr --address`). */
  readonly address: string
  readonly namespace: string
  readonly snapshotter: Snapshotter
  /** Pulls `ref` (`HOST/REPO:TAG` or `HOST/REPO@DIGEST`) and returns the image's target digest. */
  pull(ref: string, options?: PullOptions): Promise<string>
  /** `ctr images check` for `ref`, or undefined if containerd has no such image. */
  image(ref: string): Promise<ImageStatus | undefined>
  /** Every image in the namespace. */
  images(): Promise<ImageStatus[]>
  /** Digests of every blob in the content store (`ctr content ls -q`). */
  contentDigests(): Promise<string[]>
  /** `ctr images rm --sync`: removes the image and garbage-collects its content, so the next pull fetches again. */
  removeImage(ref: string): Promise<void>
  /** Any ctr command against this daemon and namespace. */
  ctr(args: readonly string[], options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<RunResult>
  /** The daemon's combined output so far. */
  output(): string
  /** SIGTERM (then SIGKILL), unmount leftovers, remove the temp dir. Idempotent. */
  stop(): Promise<void>
}

/** Starts containerd as root on a private socket and waits until `ctr version` answers. */
export async function startContainerd(options: ContainerdOptions = {}): Promise<Containerd> {
  const containerdBinary = options.containerd ?? toolPath('containerd')
  const ctrBinary = options.ctr ?? toolPath('ctr')
  const namespace = options.namespace ?? 'test'
  const dir = await makeTempDir('containerd-')
  const snapshotter = options.snapshotter ?? (await defaultSnapshotter(dir.path))
  const address = dir.join('containerd.sock')
  if (Buffer.byteLength(address) > 100) {
    await dir.remove()
    throw new Error(`containerd socket path "${address}" is too long for a unix socket: set TMPDIR to a shorter directory`)
  }
  const hostsDir = options.hostsDir ?? dir.join('certs.d')
  await mkdir(hostsDir, { recursive: true })
  const configPath = dir.join('config.toml')
  await writeFile(configPath, configToml({ root: dir.join('root'), state: dir.join('state'), address, snapshotter, hostsDir }))
  const command = wrapCommand(options.wrapper, containerdBinary, [
    '--config',
    configPath,
    '--address',
    address,
    '--root',
    dir.join('root'),
    '--state',
    dir.join('state'),
  ])
  const daemon = startDaemon(command.file, command.args, {
    cwd: dir.path,
    stopTimeoutMs: 10_000,
  })
  const stop = async (): Promise<void> => {
    await daemon.stop()
    await unmountUnder(dir.path)
    await dir.remove()
  }
  const ctr = (args: readonly string[], call: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RunResult> => {
    const ctrCommand = wrapCommand(options.wrapper, ctrBinary, ['--address', address, '--namespace', namespace, ...args])
    return run(ctrCommand.file, ctrCommand.args, {
      // ctr, not the daemon, picks the snapshotter for pull, unpack and `images check`.
      env: { ...process.env, CONTAINERD_SNAPSHOTTER: snapshotter },
      timeoutMs: call.timeoutMs ?? options.timeoutMs,
      ...(call.signal ? { signal: call.signal } : {}),
    })
  }
  try {
    await waitUntilReady(daemon, 'containerd', () => isReady(address, () => ctr(['version'], { timeoutMs: 5_000 })), {
      timeoutMs: options.readyTimeoutMs ?? 15_000,
    })
  } catch (error) {
    await stop()
    throw error
  }
  const images = async (): Promise<ImageStatus[]> => parseImagesCheck((await ctr(['images', 'check'])).stdout)
  const image = async (ref: string): Promise<ImageStatus | undefined> => (await images()).find((row) => row.ref === ref)
  const pull = async (ref: string, pullOptions: PullOptions = {}): Promise<string> => {
    const args = ['images', 'pull', '--hosts-dir', pullOptions.hostsDir ?? hostsDir]
    if (pullOptions.plainHttp ?? true) args.push('--plain-http')
    if (pullOptions.allPlatforms) args.push('--all-platforms')
    if (pullOptions.platform !== undefined) args.push('--platform', pullOptions.platform)
    await ctr([...args, ref], pullOptions)
    const pulled = await image(ref)
    if (pulled === undefined) throw new Error(`ctr pulled "${ref}" but "ctr images check" does not list it`)
    return pulled.digest
  }
  return {
    address,
    namespace,
    snapshotter,
    pull,
    image,
    images,
    contentDigests: async () => (await ctr(['content', 'ls', '--quiet'])).stdout.split('\n').filter((line) => line !== ''),
    removeImage: async (ref) => {
      await ctr(['images', 'rm', '--sync', ref])
    },
    ctr,
    output: () => daemon.output(),
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

/** "overlayfs", or "native" (plain copies) when `dir` is itself on overlayfs, where overlay upper dirs cannot go. */
export async function defaultSnapshotter(dir: string): Promise<Snapshotter> {
  return (await filesystemType(dir)) === 'overlay' ? 'native' : 'overlayfs'
}

async function isReady(address: string, version: () => Promise<RunResult>): Promise<boolean> {
  const socket = await stat(address).catch(() => undefined)
  if (!socket?.isSocket()) return false
  await version()
  return true
}

/** Parses `ctr images check`: REF TYPE DIGEST STATUS SIZE UNPACKED, space-aligned; STATUS and SIZE contain spaces. */
export function parseImagesCheck(stdout: string): ImageStatus[] {
  return stdout
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^(\S+)\s+(\S+)\s+(sha256:[0-9a-f]{64})\s+(\S+ \(\d+\/\d+\))\s+.*\s(true|false)$/.exec(line)
      if (match === null) throw new Error(`unexpected line in "ctr images check" output: ${line}`)
      const [, ref = '', mediaType = '', digest = '', status = '', unpacked = ''] = match
      return { ref, mediaType, digest, status, unpacked: unpacked === 'true' }
    })
}

/** A minimal config: no CRI, no tracing, no metrics, none of the snapshotters this machine lacks. */
function configToml(paths: { root: string; state: string; address: string; snapshotter: Snapshotter; hostsDir: string }): string {
  const disabled = [
    'io.containerd.grpc.v1.cri',
    'io.containerd.internal.v1.tracing',
    'io.containerd.tracing.processor.v1.otlp',
    'io.containerd.snapshotter.v1.aufs',
    'io.containerd.snapshotter.v1.btrfs',
    'io.containerd.snapshotter.v1.devmapper',
    'io.containerd.snapshotter.v1.zfs',
  ]
  return [
    'version = 2',
    `root = ${JSON.stringify(paths.root)}`,
    `state = ${JSON.stringify(paths.state)}`,
    `disabled_plugins = ${JSON.stringify(disabled)}`,
    '',
    '[grpc]',
    `  address = ${JSON.stringify(paths.address)}`,
    '',
    '[ttrpc]',
    `  address = ${JSON.stringify(`${paths.address}.ttrpc`)}`,
    '',
    '[debug]',
    '  level = "warn"',
    '',
    '[metrics]',
    '  address = ""',
    '',
    '[plugins."io.containerd.gc.v1.scheduler"]',
    '  startup_delay = "0s"',
    '',
    // What a node's CRI pulls with; inert here (CRI is disabled), and ctr gets it as --hosts-dir.
    '[plugins."io.containerd.grpc.v1.cri".registry]',
    `  config_path = ${JSON.stringify(paths.hostsDir)}`,
    '',
  ].join('\n')
}
