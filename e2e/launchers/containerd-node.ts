/**
 * containerd with its CRI plugin, as a Kubernetes node runs it for kubelet, in a temp dir of its
 * own: CRI pulls through `config_path` (the `certs.d` that `serve --client-config` writes) and
 * runs pods with runc, host network only (no CNI). containerd 1.x (Debian 12's 1.6) and 2.x
 * (sid's, scripts/setup-sid-debs.sh) name their CRI settings differently; {@link criConfigToml}
 * writes either, and is what a VM node's image holds too.
 *
 * ```ts
 * await using node = await createNode({ hosts: { 'registry.test.internal': 'host' } })
 * await using ctrd = await startCriContainerd({
 *   containerd: await containerdRelease('/usr/bin/containerd'),
 *   wrapper: node.runtimeWrapper, hostsDir, sandboxImage: 'registry.test.internal/pause:1',
 * })
 * await ctrd.cri.pullImage('registry.test.internal/app:latest')
 * ```
 *
 * Stopping leaves nothing: it stops and removes every pod through CRI, stops containerd, kills
 * any shim or container process of this instance that is still there (found by the socket path
 * in its command line, or in the instance's cgroups), removes those cgroups and the temp dir.
 * Needs root.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { defaultSnapshotter, type Snapshotter } from '../tools/containerd.ts'
import { run, startDaemon, waitUntilReady, wrapCommand, type RunResult } from '../tools/exec.ts'
import { toolPath } from '../tools/require-tool.ts'
import { sidPackage } from '../tools/sid-debs.ts'
import { makeTempDir, unmountUnder } from '../../test/support/temp-dir.ts'
import { CriClient } from './cri.ts'

/** The containerd namespace CRI keeps its images in. */
const CRI_NAMESPACE = 'k8s.io'

/** A containerd build: its binary, the runc shim and ctr beside it, and its version. */
export interface ContainerdRelease {
  readonly containerd: string
  readonly shim: string
  /** This release's own ctr, as a node has it (what `kind load` runs in the node). */
  readonly ctr: string
  /** From `containerd --version`, e.g. `1.6.20~ds1` or `2.1.9+unknown`. */
  readonly version: string
  /** 1 or 2: which names the CRI settings have. */
  readonly major: number
}

/** What a CRI config needs; paths are the node's. */
export interface CriConfig {
  major: number
  root: string
  state: string
  /** The gRPC unix socket (CRI and containerd's own API). */
  address: string
  /**
   * `[grpc] tcp_address`: CRI over plaintext TCP too, e.g. `0.0.0.0:10010` in a VM. Also turns the
   * CRI plugin's `disable_tcp_service` off: without that the TCP server has containerd's own
   * services only ("unknown service runtime.v1.RuntimeService").
   */
  tcpAddress?: string
  /** The registry hosts directory (`certs.d`) CRI pulls through. */
  hostsDir: string
  /** The pod sandbox ("pause") image: pulled through `hostsDir` like any other. */
  sandboxImage: string
  snapshotter: Snapshotter
  /** The runc shim (runtime_path). */
  shim: string
  /** The runc binary the shim runs (BinaryName), and its state directory (Root). */
  runc: string
  runcRoot: string
  /** CNI directories; empty, as host-network pods need no CNI. */
  cniDir: string
}

export interface CriContainerdOptions {
  containerd: ContainerdRelease
  /** Runs containerd through this command (a node's `runtimeWrapper`). */
  wrapper?: readonly string[]
  hostsDir: string
  sandboxImage: string
  /** Default: `runc` on PATH (Debian 12's: sid's needs a newer glibc). */
  runc?: string
  /** `[grpc] tcp_address`, as the node sees it: CRI over plaintext TCP too. */
  tcpAddress?: string
  /** How long to wait for CRI to report RuntimeReady. Default 30 s. */
  readyTimeoutMs?: number
  /** Limit of each CRI call. Default 60 s. */
  timeoutMs?: number
}

export interface CriContainerd extends AsyncDisposable {
  readonly release: ContainerdRelease
  /** The gRPC socket. */
  readonly address: string
  /** A CRI client on that socket. */
  readonly cri: CriClient
  /** The snapshotter CRI unpacks into. */
  readonly snapshotter: Snapshotter
  /**
   * The release's ctr in CRI's namespace (`k8s.io`), unpacking into CRI's snapshotter: what an
   * operator or `kind load` runs in a node, e.g. `images import FILE` or `images check`.
   */
  ctr(args: readonly string[], options?: { timeoutMs?: number }): Promise<RunResult>
  /** Where pods' logs go: use it as a sandbox's logDirectory (or a directory under it). */
  readonly logDirectory: string
  /** The cgroup parent to give pods (a sandbox's linux.cgroupParent): removed on stop. */
  readonly cgroupParent: string
  /** The daemon's combined output so far. */
  output(): string
  /** Processes of this instance still alive (shims, containers): none after stop. */
  leftoverProcesses(): Promise<number[]>
  /** Cgroup directories of this instance that exist: none after stop. */
  leftoverCgroups(): Promise<string[]>
  /** Removes every pod, stops containerd, kills what is left, removes cgroups and the temp dir. Idempotent. */
  stop(): Promise<void>
}

/** The releases a node runs: Debian 12's containerd 1.6 (on PATH) and sid's 2 (unpacked by scripts/setup-sid-debs.sh). */
export const NODE_RELEASES = {
  containerd1: { name: "Debian 12's containerd 1.6", major: 1, binary: (): string => toolPath('containerd') },
  containerd2: { name: "sid's containerd 2", major: 2, binary: (): string => join(sidPackage('containerd').root, 'usr', 'bin', 'containerd') },
} as const
export type NodeReleaseName = keyof typeof NODE_RELEASES

/** The named release, read from its binary; throws when the binary is another major version. */
export async function nodeRelease(name: NodeReleaseName): Promise<ContainerdRelease> {
  const { binary, major } = NODE_RELEASES[name]
  const release = await containerdRelease(binary())
  if (release.major !== major) throw new Error(`${release.containerd} is containerd ${release.version}, not ${major}.x as ${name} must be`)
  return release
}

/** Reads `containerd --version` of `binary`; the shim is `containerd-shim-runc-v2` beside it, ctr too. */
export async function containerdRelease(binary: string): Promise<ContainerdRelease> {
  const { stdout } = await run(binary, ['--version'], { timeoutMs: 10_000 })
  // containerd github.com/containerd/containerd/v2 2.1.9+unknown
  const [, version = '', major = ''] = /^containerd \S+ v?((\d+)\.\d+\.\S+)/.exec(stdout.trim()) ?? []
  if (version === '') throw new Error(`cannot read the version of ${binary} from "${stdout.trim()}"`)
  return { containerd: binary, shim: join(dirname(binary), 'containerd-shim-runc-v2'), ctr: join(dirname(binary), 'ctr'), version, major: Number(major) }
}

/** Starts containerd with CRI and waits until CRI reports the runtime ready. */
export async function startCriContainerd(options: CriContainerdOptions): Promise<CriContainerd> {
  const release = options.containerd
  const dir = await makeTempDir('cri-')
  const address = dir.join('containerd.sock')
  const logDirectory = dir.join('pods')
  const cgroupParent = `/localregistry-cri-${process.pid}-${randomBytes(3).toString('hex')}`
  await Promise.all([mkdir(logDirectory), mkdir(dir.join('cni'))])
  const snapshotter = await defaultSnapshotter(dir.path)
  const config = criConfigToml({
    major: release.major,
    root: dir.join('root'),
    state: dir.join('state'),
    address,
    ...(options.tcpAddress !== undefined && { tcpAddress: options.tcpAddress }),
    hostsDir: options.hostsDir,
    sandboxImage: options.sandboxImage,
    snapshotter,
    shim: release.shim,
    runc: options.runc ?? toolPath('runc'),
    runcRoot: dir.join('runc'),
    cniDir: dir.join('cni'),
  })
  await writeFile(dir.join('config.toml'), config)
  let cri: CriClient
  try {
    // Before the daemon: a missing CRI api.proto fails here, with no process to stop.
    cri = new CriClient({ socket: address }, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
  } catch (error) {
    await dir.remove()
    throw error
  }
  const command = wrapCommand(options.wrapper, release.containerd, ['--config', dir.join('config.toml')])
  const daemon = startDaemon(command.file, command.args, {
    cwd: dir.path,
    stopTimeoutMs: 10_000,
    // The shim beside this containerd first: shims find each other and containerd on PATH.
    env: { ...process.env, PATH: `${dirname(release.shim)}:${process.env.PATH ?? ''}` },
  })
  const leftoverProcesses = (): Promise<number[]> => processesOf(dir.path, cgroupParent)
  const leftoverCgroups = (): Promise<string[]> => cgroupDirs(cgroupParent)
  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await removePods(cri).catch(() => undefined)
      cri.close()
      await daemon.stop()
      await killAll(leftoverProcesses)
      await unmountUnder(dir.path)
      for (const cgroup of await leftoverCgroups()) await rmdir(cgroup)
      await dir.remove()
    })())
  try {
    await waitUntilReady(daemon, `containerd ${release.version} with CRI`, async () => await runtimeReady(cri), {
      timeoutMs: options.readyTimeoutMs ?? 30_000,
    })
  } catch (error) {
    await stop()
    throw error
  }
  const ctr = (args: readonly string[], call: { timeoutMs?: number } = {}): Promise<RunResult> =>
    run(release.ctr, ['--address', address, '--namespace', CRI_NAMESPACE, ...args], {
      // ctr, not the daemon, picks the snapshotter an import unpacks into and `images check` looks at.
      env: { ...process.env, CONTAINERD_SNAPSHOTTER: snapshotter },
      timeoutMs: call.timeoutMs ?? options.timeoutMs,
    })
  return {
    release,
    address,
    cri,
    snapshotter,
    ctr,
    logDirectory,
    cgroupParent,
    output: () => daemon.output(),
    leftoverProcesses,
    leftoverCgroups,
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

async function runtimeReady(cri: CriClient): Promise<boolean> {
  return (await cri.status()).some((condition) => condition.type === 'RuntimeReady' && condition.status)
}

/** Stops and removes every pod sandbox (and with them their containers), as kubelet does when a node drains. */
async function removePods(cri: CriClient): Promise<void> {
  for (const pod of await cri.listPodSandbox()) {
    await cri.stopPodSandbox(pod.id)
    await cri.removePodSandbox(pod.id)
  }
}

/**
 * containerd's CRI configuration. containerd 1 (config version 2): everything under
 * `io.containerd.grpc.v1.cri`; containerd 2 (version 3): images under `io.containerd.cri.v1.images`
 * (the sandbox image as `pinned_images.sandbox`), the rest under `io.containerd.cri.v1.runtime`.
 * `restrict_oom_score_adj`: a container may not get a lower OOM score than containerd, which a
 * root without CAP_SYS_RESOURCE could not set. Plugins that reach outside the temp dir (/opt,
 * NRI's socket, CDI's /etc/cdi, tracing) are off.
 */
export function criConfigToml(config: CriConfig): string {
  const v2 = config.major >= 2
  const images = v2 ? 'io.containerd.cri.v1.images' : 'io.containerd.grpc.v1.cri'
  const runtime = v2 ? 'io.containerd.cri.v1.runtime' : 'io.containerd.grpc.v1.cri'
  const disabled = [
    'io.containerd.internal.v1.opt',
    'io.containerd.internal.v1.tracing',
    'io.containerd.tracing.processor.v1.otlp',
    'io.containerd.nri.v1.nri',
    'io.containerd.snapshotter.v1.aufs',
    'io.containerd.snapshotter.v1.btrfs',
    'io.containerd.snapshotter.v1.devmapper',
    'io.containerd.snapshotter.v1.zfs',
  ]
  const q = (value: string): string => JSON.stringify(value)
  const top = [`version = ${v2 ? 3 : 2}`, `root = ${q(config.root)}`, `state = ${q(config.state)}`, `disabled_plugins = ${JSON.stringify(disabled)}`]
  const tables: Array<[string, string[]]> = [
    ['grpc', [`address = ${q(config.address)}`, ...(config.tcpAddress === undefined ? [] : [`tcp_address = ${q(config.tcpAddress)}`])]],
    ['ttrpc', [`address = ${q(`${config.address}.ttrpc`)}`]],
    ['debug', ['level = "info"']],
    ['metrics', ['address = ""']],
    [`plugins.${q(images)}`, [`snapshotter = ${q(config.snapshotter)}`, ...(v2 ? [] : [`sandbox_image = ${q(config.sandboxImage)}`])]],
    ...(v2 ? [[`plugins.${q(images)}.pinned_images`, [`sandbox = ${q(config.sandboxImage)}`]] satisfies [string, string[]]] : []),
    [`plugins.${q(images)}.registry`, [`config_path = ${q(config.hostsDir)}`]],
    // The CRI services join the tcp_address server only when asked (the default is off).
    ...(config.tcpAddress === undefined ? [] : [['plugins."io.containerd.grpc.v1.cri"', ['disable_tcp_service = false']] satisfies [string, string[]]]),
    [`plugins.${q(runtime)}`, ['restrict_oom_score_adj = true', 'enable_cdi = false']],
    [`plugins.${q(runtime)}.containerd`, [...(v2 ? [] : [`snapshotter = ${q(config.snapshotter)}`]), 'default_runtime_name = "runc"']],
    [`plugins.${q(runtime)}.containerd.runtimes.runc`, ['runtime_type = "io.containerd.runc.v2"', `runtime_path = ${q(config.shim)}`]],
    [`plugins.${q(runtime)}.containerd.runtimes.runc.options`, [`BinaryName = ${q(config.runc)}`, `Root = ${q(config.runcRoot)}`]],
    [`plugins.${q(runtime)}.cni`, [v2 ? `bin_dirs = [${q(config.cniDir)}]` : `bin_dir = ${q(config.cniDir)}`, `conf_dir = ${q(config.cniDir)}`]],
  ]
  // containerd 1 has images and runtime in one table, which TOML allows only once.
  const merged = new Map<string, string[]>()
  for (const [name, lines] of tables) merged.set(name, [...(merged.get(name) ?? []), ...lines])
  return [...top, ...[...merged].map(([name, lines]) => `\n[${name}]\n${lines.map((line) => `  ${line}`).join('\n')}`), ''].join('\n')
}

/** Processes whose command line names `dir` (shims: `-address DIR/containerd.sock`) or that are in a cgroup under `cgroupParent`. */
async function processesOf(dir: string, cgroupParent: string): Promise<number[]> {
  const found = new Set<number>()
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    const cmdline = await readFile(join('/proc', entry, 'cmdline'), 'utf8').catch(() => '')
    if (cmdline.includes(dir)) found.add(pid)
  }
  for (const cgroup of await cgroupDirs(cgroupParent)) {
    const procs = await readFile(join(cgroup, 'cgroup.procs'), 'utf8').catch(() => '')
    for (const line of procs.split('\n')) if (line !== '') found.add(Number(line))
  }
  return [...found].sort((a, b) => a - b)
}

/** SIGKILLs what `find` returns until it returns nothing (bounded: 50 rounds, 5 s). */
async function killAll(find: () => Promise<number[]>): Promise<void> {
  const deadline = Date.now() + 5_000
  for (let round = 0; round < 50; round++) {
    const pids = await find()
    if (pids.length === 0) return
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone meanwhile.
      }
    }
    if (Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const left = await find()
  if (left.length > 0) throw new Error(`processes of a CRI containerd still alive after SIGKILL: ${left.join(', ')}`)
}

/** Every directory at or under `cgroupParent` in each cgroup hierarchy this machine mounts, deepest first. */
async function cgroupDirs(cgroupParent: string): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8')
  const mounts = mountinfo
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => ['cgroup', 'cgroup2'].includes(fields[fields.indexOf('-') + 1] ?? ''))
    .map((fields) => fields[4] ?? '')
  const found: string[] = []
  const walk = async (path: string): Promise<void> => {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined)
    if (entries === undefined) return
    for (const entry of entries) if (entry.isDirectory()) await walk(join(path, entry.name))
    found.push(path)
  }
  for (const mount of mounts) await walk(join(mount, cgroupParent))
  return found
}
