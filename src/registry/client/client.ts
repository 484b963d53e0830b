// The pull-only OCI Distribution client: reads a reference (by tag, by digest, or by tag
// verified against a digest) into a Ref whose nested indexes and blobs are fetched lazily,
// through a RegistrySource, with retries, resumption, redirects and token auth.

import { isValidDigest, parseDigest } from '../../oci/digest.ts'
import { parseJson } from '../../oci/manifest.ts'
import { manifestKind } from '../../oci/media-types.ts'
import { checkRepository, checkTag } from '../../oci/names.ts'
import { type Ref, makeRef, refOfBytes } from '../../oci/ref.ts'
import { ManifestError, UsageError, quote } from '../../errors.ts'
import type { Credentials, CredentialsProvider } from './auth.ts'
import { RegistrySource } from './registry-source.ts'
import type { RetryContext, RetryOptions } from './retry.ts'
import { Transport } from './transport.ts'
import type { Dispatcher } from 'undici'

export interface ClientOptions {
  /** `host` or `host:port`. */
  host: string
  repository: string
  /** Default "https". */
  scheme?: 'http' | 'https'
  /** Credentials, or a function that looks them up the first time a registry asks for them. */
  credentials?: Credentials | CredentialsProvider
  /** Ends every request and wait of this client (including later blob reads through its Refs). */
  signal?: AbortSignal
  /** A moment (epoch ms or Date) after which nothing is retried and running requests are aborted. */
  deadline?: number | Date
  /** Like `deadline`, in ms from now. The earlier of the two wins. */
  timeout?: number
  /** Longest wait for a connection to open, in ms (with our own agent; a given `dispatcher` has its own). Default DEFAULT_CONNECT_TIMEOUT_MS. */
  connectTimeout?: number
  /** CA certificates (PEM) to trust for HTTPS besides Node's bundled ones and the system store (with our own agent). */
  ca?: readonly string[]
  /**
   * Longest wait for a response's headers, and for the next body byte while a body is being
   * read, in ms: past it the request is aborted and retried (a blob resumes with Range). A
   * consumer that reads slowly does not count as idle. Default DEFAULT_IDLE_TIMEOUT_MS.
   */
  idleTimeout?: number
  retry?: RetryOptions
  onRetry?: RetryContext['onRetry']
  /** An undici dispatcher (TLS options, proxy); the client composes its redirect handling onto it. */
  dispatcher?: Dispatcher
  userAgent?: string
  maxRedirections?: number
}

export interface ReadTarget {
  tag?: string | undefined
  /** When set with a tag, the tag is requested and the answer must have this digest. */
  digest?: string | undefined
}

export class RegistryClient {
  readonly repository: string
  readonly baseUrl: string
  readonly source: RegistrySource
  readonly #transport: Transport

  constructor(options: ClientOptions) {
    checkRepository(options.repository)
    this.repository = options.repository
    this.baseUrl = `${options.scheme ?? 'https'}://${options.host}`
    this.#transport = new Transport({
      dispatcher: options.dispatcher,
      credentials: options.credentials,
      userAgent: options.userAgent,
      maxRedirections: options.maxRedirections,
      connectTimeout: options.connectTimeout,
      ca: options.ca,
      idleTimeout: options.idleTimeout,
      retry: options.retry,
      signal: options.signal,
      deadline: deadlineOf(options),
      onRetry: options.onRetry,
    })
    this.source = new RegistrySource(this.#transport, this.baseUrl, this.repository)
  }

  /**
   * Reads a manifest or index by tag and/or digest. With only a tag the registry is trusted
   * for which content it serves (its Docker-Content-Digest, if sent, is still checked);
   * with a digest the content must match it.
   */
  async read(target: ReadTarget): Promise<Ref> {
    const { tag, digest } = target
    if (tag !== undefined) checkTag(tag)
    if (digest !== undefined) parseDigest(digest)
    const reference = tag ?? digest
    if (reference === undefined) throw new UsageError('read needs a tag, a digest, or both')
    const fetched = await this.source.fetchManifest(reference)
    const where = `manifest ${reference} from ${this.source.location}`
    const mediaType = mediaTypeOf(fetched.contentType, fetched.bytes, where)
    // By tag alone, the registry's Docker-Content-Digest (when it sends a valid one) names the
    // content; makeRef checks the bytes against whichever digest is expected. With neither, the
    // bytes name themselves: hashed once, nothing to check.
    const headerDigest = fetched.headerDigest !== undefined && isValidDigest(fetched.headerDigest) ? fetched.headerDigest : undefined
    const expected = digest ?? headerDigest
    if (expected === undefined) return refOfBytes(fetched.bytes, mediaType, this.source)
    return makeRef(fetched.bytes, { mediaType, digest: expected, size: fetched.bytes.length }, this.source)
  }

  /** Releases connections (of the client's own agent; a given dispatcher is left open). */
  close(): Promise<void> {
    return this.#transport.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/** The media type from Content-Type when it names a manifest type, otherwise the body's `mediaType`. */
function mediaTypeOf(contentType: string | undefined, bytes: Buffer, where: string): string {
  if (contentType !== undefined && manifestKind(contentType) !== undefined) return contentType
  const declared = parseJson(bytes, where).mediaType
  if (typeof declared === 'string' && manifestKind(declared) !== undefined) return declared
  throw new ManifestError(
    `${where}: neither its Content-Type ${quote(contentType ?? '(none)')} nor its mediaType ${quote(String(declared ?? '(none)'))} is a manifest type we know`,
  )
}

function deadlineOf(options: ClientOptions): number | undefined {
  const candidates = [
    options.deadline instanceof Date ? options.deadline.getTime() : options.deadline,
    options.timeout === undefined ? undefined : Date.now() + options.timeout,
  ].filter((d) => d !== undefined)
  return candidates.length === 0 ? undefined : Math.min(...candidates)
}
