// The programmatic API: start a registry serving Bazel manifests and/or OCI layout directories.
//
//   await using registry = await startRegistry({ manifests: [manifestPath], listen: '127.0.0.1:0' })
//   // pull `${registry.host}:${registry.port}/app:latest`
//
// Everything is loaded and checked before the server listens: on any error nothing is served.

import { type ImageOption, Loader } from './load/loader.ts'
import type { Ref } from './oci/ref.ts'
import { Registry } from './content/registry.ts'
import { type ListenOptions, listen } from './registry/server/index.ts'
import { type TlsOptions, serverTls } from './tls/index.ts'
import { UsageError } from './errors.ts'
import { parseHostPort } from './net/host.ts'

export type { ImageOption } from './load/loader.ts'

/** The server's resource limits, as listen() takes them (see ListenOptions). */
export type ServerLimits = Pick<ListenOptions, 'maxConnections' | 'sendTimeoutMs' | 'blobMemory'>

export interface StartOptions extends ServerLimits {
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
  /**
   * Serve HTTPS. `{}` or `{ hostnames: ['registry.test.internal'] }`: with a certificate issued
   * at start-up by a CA made for this run (valid for the listen address and `hostnames`; read
   * the CA from `caCertificate`; keys stay in memory; ECDSA P-256, or RSA 2048 with
   * `keyType: 'rsa'`). `{ cert, key }`: with that certificate.
   */
  tls?: TlsOptions
}

export interface RunningRegistry extends AsyncDisposable {
  /**
   * The base URL clients on this machine use, e.g. `http://127.0.0.1:43121` (IPv6:
   * `http://[::1]:43121`; `https://` with `tls`). Listening on every interface (0.0.0.0 or ::),
   * it names the loopback address of that family: a wildcard address is not one to connect to.
   */
  readonly url: string
  /** The host of `url`. */
  readonly host: string
  /** Whether it listens on every interface (0.0.0.0 or ::), so other machines can reach it too. */
  readonly wildcard: boolean
  /** The port actually listened on (the picked one when 0 was asked). */
  readonly port: number
  readonly registry: Registry
  /** With a generated certificate (`tls: {}`), its CA certificate (PEM) for clients to trust; else undefined. */
  readonly caCertificate: string | undefined
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
  // The certificate is made while the images load: both take a while, neither needs the other.
  const [tls] = await Promise.all([
    options.tls === undefined ? undefined : serverTls(options.tls, address.host),
    loader.load(manifests, options.images ?? []).then((placements) => registry.place(placements)),
  ])
  const limits = { maxConnections: options.maxConnections, sendTimeoutMs: options.sendTimeoutMs, blobMemory: options.blobMemory }
  const server = await listen(registry, { host: address.host, port: address.port, log: options.log, ...limits, ...(tls && { tls }) })
  const close = (): Promise<void> => server.close()
  return {
    url: server.url,
    host: server.host,
    wildcard: server.wildcard,
    port: server.port,
    registry,
    caCertificate: tls?.caCertificate,
    async addLayout(image) {
      await registry.place(await loader.load([], [image]))
    },
    async addRef(repository, tag, ref) {
      await registry.place([{ repository, tag, ref, source: 'addRef()' }])
    },
    close,
    [Symbol.asyncDispose]: close,
  }
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
  const parsed = parseHostPort(value, { listening: true })
  const host = parsed?.host
  const port = parsed?.port
  if (host === undefined || port === undefined) {
    throw new UsageError(`--listen ${JSON.stringify(value)} is not HOST:PORT (e.g. 127.0.0.1:5000, localhost:0, [::1]:0; port 0 picks a free port)`)
  }
  return { host, port }
}
