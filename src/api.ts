// The programmatic API: start a registry serving Bazel manifests and/or OCI layout directories.
//
//   await using registry = await startRegistry({ manifests: [manifestPath], listen: '127.0.0.1:0' })
//   // pull `${registry.host}:${registry.port}/app:latest`
//
// Everything is loaded and checked before the server listens: on any error nothing is served.

import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { type ImageRequest, LayoutCache, type Placement, TagClaims, planImages } from './manifest/load.ts'
import type { ManifestImage } from './manifest/index.ts'
import type { Ref } from './oci/ref.ts'
import { Registry } from './registry/server/registry.ts'
import { type ListenOptions, listen } from './registry/server/index.ts'
import { RunfilesResolver } from './runfiles/index.ts'
import { RunfilesError, UsageError } from './errors.ts'

/** An OCI layout directory to serve. */
export interface ImageOption {
  repository: string
  /**
   * `'latest'`: serve under that tag (on a layout with several index.json entries, the entry
   * whose ref name is that tag). `''`: by digest only. Omitted: each entry under its
   * `org.opencontainers.image.ref.name` (entries without one: by digest only).
   */
  tag?: string
  /** The layout directory: a filesystem path, or else a runfiles (rlocation) path. */
  layout: string
  /** Serve only the index.json entry with this ref name (tagged with it, unless `tag` is given). */
  refName?: string
  /** Names this image in error messages (default `images[i] (repository:tag=layout)`). */
  source?: string
}

export interface StartOptions {
  /** Bazel manifests (`localregistry_manifest` .prototxt files); their paths resolve through runfiles. */
  manifests?: string[]
  images?: ImageOption[]
  /** `HOST:PORT` or `[IPV6]:PORT`; port 0 picks a free port. Default `127.0.0.1:0`. `host`/`port` override it. */
  listen?: string
  host?: string
  port?: number
  /** A runfiles directory or runfiles manifest, tried before the Bazel variables and discovery. */
  runfiles?: string
  /** Request logging, passed to the server. */
  log?: ListenOptions['log']
}

export interface RunningRegistry extends AsyncDisposable {
  /** The base URL, e.g. `http://127.0.0.1:43121` (IPv6: `http://[::1]:43121`). */
  readonly url: string
  readonly host: string
  /** The port actually listened on (the picked one when 0 was asked). */
  readonly port: number
  readonly registry: Registry
  /** Serves another layout while running; checked (conflicts refused) before anything changes. */
  addLayout(image: ImageOption): Promise<void>
  /** Serves a ref read from an OCI layout; tag `undefined` or `''` = by digest only. */
  addRef(repository: string, tag: string | undefined, ref: Ref): Promise<void>
  close(): Promise<void>
}

export const DEFAULT_HOST = '127.0.0.1'

/** Loads every manifest and image, then listens. Rejects, serving nothing, on any error. */
export async function startRegistry(options: StartOptions = {}): Promise<RunningRegistry> {
  const address = listenAddress(options)
  const manifests = options.manifests ?? []
  const loader = new Loader(options.runfiles, manifests)
  const registry = new Registry()
  const claims = new TagClaims()
  await serve(registry, claims, await loader.load(manifests, options.images ?? []))
  const server = await listen(registry, { host: address.host, port: address.port, log: options.log })
  const close = (): Promise<void> => server.close()
  return {
    url: server.url,
    host: server.host,
    port: server.port,
    registry,
    async addLayout(image) {
      await serve(registry, claims, await loader.load([], [image]))
    },
    async addRef(repository, tag, ref) {
      const placement = { repository, tag: tag === '' ? undefined : tag, ref, layout: ref.source.location, source: 'addRef()' }
      await serve(registry, claims, [placement])
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}

async function serve(registry: Registry, claims: TagClaims, placements: Placement[]): Promise<void> {
  claims.claim(placements)
  for (const p of placements) await registry.addRef(p.repository, p.tag, p.ref)
}

/** Turns manifests and image options into load requests and reads them, sharing one layout cache. */
class Loader {
  readonly #cache = new LayoutCache()
  readonly #runfiles: string | undefined
  readonly #near: readonly string[]
  #resolver: RunfilesResolver | undefined
  #count = 0

  constructor(runfiles: string | undefined, near: readonly string[]) {
    this.#runfiles = runfiles
    this.#near = near
  }

  /** Discovered on first use, so that images given as plain directories never need runfiles. */
  get resolver(): RunfilesResolver {
    this.#resolver ??= RunfilesResolver.discover({ runfiles: this.#runfiles }, this.#near)
    return this.#resolver
  }

  async load(manifests: readonly string[], images: readonly ImageOption[]): Promise<Placement[]> {
    if (this.#runfiles !== undefined) void this.resolver // a bad --runfiles fails even when nothing needs it
    const fromManifests = manifests.length === 0 ? [] : await readManifests(manifests)
    const requests = [...fromManifests.map((i) => this.#manifestRequest(i)), ...images.map((i) => this.#imageRequest(i))]
    return planImages(requests, this.#cache)
  }

  #manifestRequest(image: ManifestImage): ImageRequest {
    const name = image.tag === '' ? `${image.repository} (digest-only)` : `${image.repository}:${image.tag}`
    const source = `${image.file}:${image.line}`
    const layout = this.resolver.rlocation(image.path, `image ${name} (${source})`)
    return { repository: image.repository, tag: image.tag, layout, source }
  }

  #imageRequest(image: ImageOption): ImageRequest {
    const i = this.#count++
    const name = `${image.repository}${image.tag === undefined || image.tag === '' ? '' : `:${image.tag}`}`
    const source = image.source ?? `images[${i}] (${name}=${image.layout})`
    return { repository: image.repository, tag: image.tag, layout: this.#layoutPath(image.layout, source), refName: image.refName, source }
  }

  /** A filesystem path when it exists (or is absolute), else a runfiles path. */
  #layoutPath(layout: string, source: string): string {
    if (isAbsolute(layout) || existsSync(layout)) return resolve(layout)
    const result = this.resolver.tryRlocation(layout)
    if ('found' in result) return result.found
    throw new RunfilesError(`${source}: ${resolve(layout)} does not exist, and "${layout}" as a runfiles path does not resolve: ${result.looked}`)
  }
}

/** The manifest parser is imported only when there are manifests: `--image` alone never pays for it. */
async function readManifests(files: readonly string[]): Promise<ManifestImage[]> {
  const { readBazelManifest } = await import('./manifest/index.ts')
  return (await Promise.all(files.map((m) => readBazelManifest(m)))).flat()
}

/** `listen` (`HOST:PORT`, `[IPV6]:PORT`) with `host`/`port` overriding its parts. */
export function listenAddress(options: Pick<StartOptions, 'listen' | 'host' | 'port'>): { host: string; port: number } {
  const parsed = options.listen === undefined ? { host: DEFAULT_HOST, port: 0 } : parseListen(options.listen)
  const port = options.port ?? parsed.port
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port ${port} is not a port number (0-65535)`)
  return { host: options.host ?? parsed.host, port }
}

/** Parses `HOST:PORT` or `[IPV6]:PORT`. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Za-z:.%_-]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value)
  const host = match?.[1] ?? match?.[2]
  const port = Number(match?.[3])
  if (host === undefined || !(port <= 65535)) {
    throw new UsageError(`--listen ${JSON.stringify(value)} is not HOST:PORT (e.g. 127.0.0.1:5000, localhost:0, [::1]:0; port 0 picks a free port)`)
  }
  return { host, port }
}
