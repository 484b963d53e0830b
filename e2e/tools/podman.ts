/**
 * podman as a pull client, with its whole state (storage, run root, config) in
 * a temp dir, so tests neither read nor touch the machine's images or config.
 * Needs root for the overlay storage driver ("vfs" works without it, slower).
 *
 * ```ts
 * await using podman = await createPodman();
 * const { digest } = await podman.pull(`127.0.0.1:${port}/repo:tag`);
 * ```
 */
import { writeFile } from 'node:fs/promises'
import { run, wrapCommand, type RunResult } from './exec.ts'
import { toolPath } from './require-tool.ts'
import { writeContainersConfig } from './containers-config.ts'
import { filesystemType, makeTempDir, unmountUnder } from '../../test/support/temp-dir.ts'

export type StorageDriver = 'overlay' | 'vfs'

export interface PodmanOptions {
  /** Path of the podman binary. Default: `podman` on PATH. */
  binary?: string
  /** containers/storage driver. Default "overlay", or "vfs" when the temp dir is itself on overlayfs. */
  storageDriver?: StorageDriver
  /** Limit for each command. Default 60 s. */
  timeoutMs?: number
  /** Runs every podman command through this command, e.g. `['ip', 'netns', 'exec', NAME]`. */
  wrapper?: readonly string[]
}

export interface PodmanPullOptions {
  /** `--platform`, e.g. "linux/arm64". Default: the host's platform. */
  platform?: string
  /** `--tls-verify`: check the registry's certificate (against certs.d). Default false. */
  tlsVerify?: boolean
  timeoutMs?: number
  signal?: AbortSignal
}

/** The parts of `podman image inspect` tests compare. */
export interface PodmanImage {
  /** Image id: the config digest, hex without `sha256:`. */
  id: string
  /**
   * podman's `.Digest`: the top-level digest of the pull that first stored this
   * image (an index's digest if that pull went through an index). Later pulls of
   * the same image through another manifest or index do not change it: use
   * {@link digests} to check that a pull saw a given digest.
   */
  digest: string
  /** Every manifest and index digest the image is known by (from `RepoDigests`), deduplicated. */
  digests: string[]
  /** `HOST/REPO@sha256:...` for each digest the image is known by. */
  repoDigests: string[]
  repoTags: string[]
  architecture: string
  os: string
}

export interface Podman extends AsyncDisposable {
  readonly storageDriver: StorageDriver
  /**
   * The user configuration directory podman reads (`$HOME/.config/containers`): drop-ins go in
   * its `registries.conf.d/`, registry CAs in `certs.d/HOST:PORT/`, as under /etc/containers.
   */
  readonly configDir: string
  /** `podman pull --tls-verify=false REF` (or `=true`) then `image inspect`. */
  pull(ref: string, options?: PodmanPullOptions): Promise<PodmanImage>
  /** `podman image inspect REF`, or undefined if there is no such image. */
  inspect(ref: string): Promise<PodmanImage | undefined>
  /** `podman rmi --force REF`, so the next pull fetches again. */
  removeImage(ref: string): Promise<void>
  /** Any podman command with the isolated global flags and environment. */
  podman(args: readonly string[], options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<RunResult>
}

/** Prepares an isolated podman; its storage is unmounted and removed on dispose. */
export async function createPodman(options: PodmanOptions = {}): Promise<Podman> {
  const binary = options.binary ?? toolPath('podman')
  const dir = await makeTempDir('podman-')
  const driver = options.storageDriver ?? ((await filesystemType(dir.path)) === 'overlay' ? 'vfs' : 'overlay')
  const config = await writeContainersConfig(dir)
  const root = dir.join('storage')
  const runRoot = dir.join('runroot')
  const storageConf = dir.join('storage.conf')
  await writeFile(storageConf, `[storage]\ndriver = "${driver}"\ngraphroot = "${root}"\nrunroot = "${runRoot}"\n`)
  const containersConf = dir.join('containers.conf')
  await writeFile(containersConf, '[engine]\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n')
  const env = { ...config.env, CONTAINERS_CONF: containersConf, CONTAINERS_STORAGE_CONF: storageConf }
  const globalArgs = [
    '--root',
    root,
    '--runroot',
    runRoot,
    '--tmpdir',
    dir.join('tmp'),
    '--storage-driver',
    driver,
    '--events-backend',
    'none',
    '--cgroup-manager',
    'cgroupfs',
  ]
  const podman = (args: readonly string[], call: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RunResult> => {
    const command = wrapCommand(options.wrapper, binary, [...globalArgs, ...args])
    return run(command.file, command.args, {
      env,
      timeoutMs: call.timeoutMs ?? options.timeoutMs,
      ...(call.signal ? { signal: call.signal } : {}),
    })
  }
  const inspect = async (ref: string): Promise<PodmanImage | undefined> => {
    const { stdout } = await podman(['image', 'inspect', '--format', 'json', ref]).catch((error: unknown) => {
      if (error instanceof Error && /image not known|no such image/i.test(error.message)) return { stdout: '[]' }
      throw error
    })
    const [image] = JSON.parse(stdout) as RawInspect[]
    return image && toImage(image)
  }
  return {
    storageDriver: driver,
    configDir: `${config.env['XDG_CONFIG_HOME']}/containers`,
    pull: async (ref, pullOptions = {}) => {
      const args = ['pull', '--quiet', `--tls-verify=${pullOptions.tlsVerify ?? false}`, '--signature-policy', config.policyPath]
      if (pullOptions.platform !== undefined) args.push('--platform', pullOptions.platform)
      await podman([...args, ref], pullOptions)
      const image = await inspect(ref)
      if (image === undefined) throw new Error(`podman pulled "${ref}" but "podman image inspect" does not find it`)
      return image
    },
    inspect,
    removeImage: async (ref) => {
      await podman(['rmi', '--force', ref])
    },
    podman,
    [Symbol.asyncDispose]: async () => {
      await unmountUnder(dir.path)
      await dir.remove()
    },
  }
}

interface RawInspect {
  Id: string
  Digest: string
  RepoDigests: string[] | null
  RepoTags: string[] | null
  Architecture: string
  Os: string
}

function toImage(raw: RawInspect): PodmanImage {
  const repoDigests = raw.RepoDigests ?? []
  return {
    id: raw.Id,
    digest: raw.Digest,
    digests: [...new Set(repoDigests.map((repoDigest) => repoDigest.slice(repoDigest.lastIndexOf('@') + 1)))],
    repoDigests,
    repoTags: raw.RepoTags ?? [],
    architecture: raw.Architecture,
    os: raw.Os,
  }
}
