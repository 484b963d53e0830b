/**
 * skopeo, the containers/image client: copy images between a registry and an
 * OCI layout, read raw manifests, list tags. Plain HTTP (no TLS verification),
 * a trust policy accepting anything, and no machine config (see
 * containers-config.ts).
 *
 * Registry references are written without transport: `127.0.0.1:5000/repo:tag`
 * or `127.0.0.1:5000/repo@sha256:...`.
 *
 * ```ts
 * await using skopeo = await createSkopeo();
 * await skopeo.pushLayout(layoutDir, "latest", `${registry.host}/demo:latest`);
 * const { digest } = await skopeo.inspectRaw(`${registry.host}/demo:latest`);
 * ```
 */
import { createHash } from 'node:crypto'
import { run, wrapCommand, type RunResult } from './exec.ts'
import { toolPath } from './require-tool.ts'
import { writeContainersConfig } from './containers-config.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'

export interface SkopeoOptions {
  /** Path of the skopeo binary. Default: `skopeo` on PATH. */
  binary?: string
  /** Limit for each command. Default 60 s. */
  timeoutMs?: number
  /** Runs every skopeo command through this command, e.g. `['ip', 'netns', 'exec', NAME]`. */
  wrapper?: readonly string[]
  /** `--registries-conf FILE`: a registries.conf (mirrors, aliases) instead of the empty one. */
  registriesConf?: string
}

export interface CopyOptions {
  /** `--all`: copy every image of an index, not just the host's platform. Default true. */
  all?: boolean
  /** `--preserve-digests`: fail rather than rewrite a manifest. Default true. */
  preserveDigests?: boolean
  /** Verify the source registry's certificate with the CAs in this directory (`--src-cert-dir`); default: no verification. */
  certDir?: string
  timeoutMs?: number
  signal?: AbortSignal
}

export interface CallOptions {
  /** Verify the registry's certificate with the CAs in this directory (`--cert-dir`); default: no verification. */
  certDir?: string
  timeoutMs?: number
  signal?: AbortSignal
}

/** A manifest or index exactly as the registry served it. */
export interface RawManifest {
  bytes: Buffer
  /** `sha256:` of `bytes`: the manifest digest as a client computes it. */
  digest: string
  /** The `mediaType` field, if the document has one. */
  mediaType: string | undefined
  json: unknown
}

/** `skopeo inspect` (not raw): the host platform's image, summarised. */
export interface InspectResult {
  Name: string
  /** Digest of the top-level manifest or index the reference resolved to. */
  Digest: string
  RepoTags: string[]
  Architecture: string
  Os: string
  Layers: string[]
}

export interface Skopeo extends AsyncDisposable {
  /** `skopeo copy SOURCE DEST` with full transport references (`docker://...`, `oci:DIR:TAG`). */
  copy(source: string, destination: string, options?: CopyOptions): Promise<void>
  /** Registry -> OCI layout: `docker://REF` to `oci:DIR:TAG`. */
  pullToLayout(ref: string, layoutDir: string, tag: string, options?: CopyOptions): Promise<void>
  /** OCI layout -> registry: `oci:DIR:TAG` to `docker://REF`. */
  pushLayout(layoutDir: string, tag: string, ref: string, options?: CopyOptions): Promise<void>
  /** `skopeo inspect --raw`: the manifest or index bytes and their digest. */
  inspectRaw(ref: string, options?: CallOptions): Promise<RawManifest>
  /** `skopeo inspect`: the host platform's image config summary. */
  inspect(ref: string, options?: CallOptions): Promise<InspectResult>
  /** `skopeo list-tags` of a repository (`HOST/REPO`, no tag). */
  listTags(repository: string, options?: CallOptions): Promise<string[]>
  /** Any skopeo command, with the isolated global flags and environment. */
  run(args: readonly string[], options?: CallOptions): Promise<RunResult>
}

/** Prepares an isolated skopeo (policy, registries.d, HOME in a temp dir), removed on dispose. */
export async function createSkopeo(options: SkopeoOptions = {}): Promise<Skopeo> {
  const binary = options.binary ?? toolPath('skopeo')
  const dir = await makeTempDir('skopeo-')
  const config = await writeContainersConfig(dir)
  const globalArgs = ['--policy', config.policyPath, '--registries.d', config.registriesDir, '--tmpdir', dir.join('tmp')]
  if (options.registriesConf !== undefined) globalArgs.push('--registries-conf', options.registriesConf)
  const skopeo = (args: readonly string[], call: CallOptions = {}): Promise<RunResult> => {
    const command = wrapCommand(options.wrapper, binary, [...globalArgs, ...args])
    return run(command.file, command.args, {
      env: config.env,
      timeoutMs: call.timeoutMs ?? options.timeoutMs,
      ...(call.signal ? { signal: call.signal } : {}),
    })
  }
  const copy = async (source: string, destination: string, copyOptions: CopyOptions = {}): Promise<void> => {
    const args = ['copy', '--quiet', ...tlsArgs(copyOptions.certDir, '--src-'), '--dest-tls-verify=false']
    if (copyOptions.all ?? true) args.push('--all')
    if (copyOptions.preserveDigests ?? true) args.push('--preserve-digests')
    await skopeo([...args, source, destination], copyOptions)
  }
  return {
    copy,
    pullToLayout: (ref, layoutDir, tag, copyOptions) => copy(docker(ref), `oci:${layoutDir}:${tag}`, copyOptions),
    pushLayout: (layoutDir, tag, ref, copyOptions) => copy(`oci:${layoutDir}:${tag}`, docker(ref), copyOptions),
    inspectRaw: async (ref, call) => {
      const { stdoutBytes } = await skopeo(['inspect', '--raw', ...tlsArgs(call?.certDir), docker(ref)], call)
      return rawManifest(stdoutBytes, ref)
    },
    inspect: async (ref, call) => {
      const { stdout } = await skopeo(['inspect', ...tlsArgs(call?.certDir), docker(ref)], call)
      return parseJson(stdout, `skopeo inspect ${ref}`) as InspectResult
    },
    listTags: async (repository, call) => {
      const { stdout } = await skopeo(['list-tags', ...tlsArgs(call?.certDir), docker(repository)], call)
      const parsed = parseJson(stdout, `skopeo list-tags ${repository}`) as { Tags?: string[] | null }
      return parsed.Tags ?? []
    },
    run: skopeo,
    [Symbol.asyncDispose]: () => dir.remove(),
  }
}

/** `--cert-dir DIR` (verify against its CAs) or `--tls-verify=false`, with a flag prefix such as `--src-`. */
function tlsArgs(certDir: string | undefined, prefix = '--'): string[] {
  return certDir === undefined ? [`${prefix}tls-verify=false`] : [`${prefix}cert-dir`, certDir]
}

function docker(ref: string): string {
  return ref.startsWith('docker://') ? ref : `docker://${ref}`
}

/** Hashes the exact bytes (skopeo adds no newline to `--raw` output). */
function rawManifest(bytes: Buffer, ref: string): RawManifest {
  const json = parseJson(bytes.toString('utf8'), `skopeo inspect --raw ${ref}`)
  const mediaType = typeof json === 'object' && json !== null && 'mediaType' in json && typeof json.mediaType === 'string' ? json.mediaType : undefined
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, mediaType, json }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new Error(`failed to parse the output of ${what} as JSON: ${(error as Error).message}\n${text.slice(0, 500)}`, { cause: error })
  }
}
