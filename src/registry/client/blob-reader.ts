// Resumable blob downloads, each byte hashed once against the descriptor (consumers do not
// verify again). A body that breaks off continues with `Range: bytes=<pos>-`, and only a 206
// starting exactly there (or a whole 200, the bytes we have skipped) is taken; the last chunk is
// held back until the digest matches. Retries renew only after MIN_RESUME_PROGRESS_BYTES of
// progress, so a registry that keeps cutting the connection fails the pull instead of keeping it
// alive for days. Bytes are taken as they arrive (undici drops what it buffered of a body that
// fails), and memory stays bounded by back-pressure: at most about STREAM_BUFFER_BYTES +
// BODY_BUFFER_BYTES + one held chunk per download.

import { Readable, finished } from 'node:stream'
import type { Descriptor } from '../../oci/descriptor.ts'
import { DigestCheck } from '../../oci/verify.ts'
import { ContentMismatchError, RegistryConnectionError, RegistryProtocolError, messageOf } from '../../errors.ts'
import { attemptsUsedUp, type RetryContext, type RetryOptions, retryDelay, sleep } from './retry.ts'
import { MIN_RESUME_PROGRESS_BYTES } from './timeouts.ts'
import { classify, discard, type Response } from './transport.ts'

/** What the returned stream buffers for a consumer that is behind, before the body is paused. */
export const STREAM_BUFFER_BYTES = 1024 * 1024
/** What undici buffers of a paused body before it stops reading the socket: pass it to the request. */
export const BODY_BUFFER_BYTES = 1024 * 1024

/** Starts a GET of the blob from byte `offset` (0: no Range); resolves with a 200 or 206 response. */
export type BlobRequest = (offset: number, signal: AbortSignal) => Promise<Response>

export interface BlobReaderOptions {
  /** Names the blob and its registry in errors. */
  where: string
  signal?: AbortSignal | undefined
  retry?: (RetryOptions & RetryContext) | undefined
}

/**
 * Starts downloading a blob: resolves once the first response is there (so a 404 or 401 is a
 * rejection, not a stream error) with a stream of its verified bytes. Destroying the stream
 * cancels the download.
 */
export async function openResumableBlob(fetch: BlobRequest, descriptor: Pick<Descriptor, 'digest' | 'size'>, options: BlobReaderOptions): Promise<Readable> {
  const controller = new AbortController()
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal])
  const first = descriptor.size === 0 ? undefined : await fetch(0, signal)
  const stream = new BlobStream(controller)
  stream.start(download(stream, fetch, descriptor, first, { ...options, signal }))
  return stream
}

/**
 * The verified bytes of one blob, fed by download() from one response body after another.
 * The current body is paused while this stream's consumer is behind.
 */
class BlobStream extends Readable {
  readonly #controller: AbortController
  #body: Readable | undefined
  #reading = false
  /** A failure before the first read, kept for it. */
  #failure: Error | undefined

  constructor(controller: AbortController) {
    super({ highWaterMark: STREAM_BUFFER_BYTES })
    this.#controller = controller
  }

  start(download: Promise<void>): void {
    download.then(
      () => this.push(null),
      (error: unknown) => this.#fail(error instanceof Error ? error : new Error(String(error))),
    )
  }

  /** Passes the body's chunks to `take` until it ends; resolves then, rejects on its error or take's. */
  feed(body: Readable, take: (chunk: Buffer, body: Readable) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false
      const settle = (error?: unknown): void => {
        if (settled) return
        settled = true
        body.off('data', onData)
        this.#body = undefined
        if (error === undefined) resolve()
        else reject(error)
      }
      const onData = (chunk: Buffer): void => {
        try {
          take(chunk, body)
        } catch (error) {
          body.pause()
          settle(error)
        }
      }
      this.#body = body
      body.on('data', onData)
      finished(body, (error) => settle(error ?? undefined))
    })
  }

  #fail(error: Error): void {
    if (this.#reading) this.destroy(error)
    else this.#failure = error
  }

  override _read(): void {
    this.#reading = true
    if (this.#failure !== undefined) this.destroy(this.#failure)
    else this.#body?.resume()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#controller.abort()
    callback(error)
  }
}

async function download(
  out: BlobStream,
  fetch: BlobRequest,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
  first: Response | undefined,
  options: BlobReaderOptions & { signal: AbortSignal },
): Promise<void> {
  const { signal } = options
  const { size } = descriptor
  const check = new DigestCheck(descriptor, options.where)
  let held: Buffer | undefined
  let attempt = 1
  /** Connections in a row that broke after some progress, but less than MIN_RESUME_PROGRESS_BYTES. */
  let smallBreaks = 0
  let next = first
  let skip = 0
  const take = (data: Buffer, body: Readable): void => {
    let chunk = data
    if (skip > 0) {
      if (chunk.length <= skip) {
        skip -= chunk.length
        return
      }
      chunk = chunk.subarray(skip)
      skip = 0
    }
    // An empty chunk must not replace the held one, or the last real chunk would go out unchecked.
    if (chunk.length === 0) return
    const excess = check.update(chunk)
    if (excess !== undefined) throw excess
    if (held !== undefined && !out.push(held)) body.pause()
    held = chunk
  }
  while (check.received < size) {
    signal.throwIfAborted()
    const response = next ?? (await fetch(check.received, signal))
    const startedAt = check.received
    next = undefined
    skip = check.received - startOf(response, check.received, size, options.where)
    let failure: unknown
    try {
      await out.feed(response.body, take)
    } catch (error) {
      if (error instanceof ContentMismatchError) throw error
      failure = classify(error, 'GET', response.url, signal)
    } finally {
      discard(response)
    }
    if (check.received >= size) break
    failure ??= new RegistryConnectionError(`GET ${response.url}: the body ended after ${check.received} of ${size} bytes`, true)
    const gained = check.received - startedAt
    if (gained >= MIN_RESUME_PROGRESS_BYTES) attempt = 1
    smallBreaks = gained > 0 && gained < MIN_RESUME_PROGRESS_BYTES ? smallBreaks + 1 : 0
    const delay = retryDelay(failure, attempt, options.retry)
    if (delay === undefined) throw smallBreaks > 0 && attemptsUsedUp(failure, attempt, options.retry) ? keptCutting(failure, attempt, options.where) : failure
    options.retry?.onRetry?.({ attempt, delayMs: delay, error: failure })
    attempt++
    await sleep(delay, signal)
  }
  const mismatch = check.finish()
  if (mismatch !== undefined) throw mismatch
  if (held !== undefined) out.push(held)
}

/** The error of a download given up on because the registry cut every connection after a little progress. */
function keptCutting(failure: unknown, attempts: number, where: string): RegistryConnectionError {
  const why = messageOf(failure)
  return new RegistryConnectionError(
    `${where}: gave up after ${attempts} connections in a row broke, each after less than ${MIN_RESUME_PROGRESS_BYTES} new bytes: the registry keeps cutting the connection (a resume renews the retries only after that many bytes): ${why}`,
    false,
    { cause: failure },
  )
}

/** Where the body of a response starts in the blob: 0 for a 200, the validated Content-Range start for a 206. */
function startOf(response: Response, pos: number, size: number, where: string): number {
  if (response.status === 200) return 0
  const header = response.headers['content-range']
  const match = typeof header === 'string' ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim()) : null
  const first = Number(match?.[1])
  const last = Number(match?.[2])
  const total = match?.[3] === '*' ? size : Number(match?.[3])
  if (match === null || first !== pos || last !== size - 1 || total !== size) {
    discard(response)
    throw new RegistryProtocolError(
      `${where}: asked for bytes ${pos}-, the registry answered 206 with Content-Range ${JSON.stringify(header === undefined ? null : String(header))} (${response.url})`,
    )
  }
  return pos
}
