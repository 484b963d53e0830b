// Resumable blob downloads. A blob body that breaks off mid-way is continued with
// `Range: bytes=<pos>-` from where it stopped. A 206 is accepted only when its Content-Range
// starts exactly there (anything else is a protocol error, never spliced in); a server that
// ignores Range and answers 200 sends the whole blob again, and the bytes we already have
// are skipped. Every byte passes through the digest verifier, so a corrupted blob fails
// (permanently: a retry would fetch the same wrong bytes) before its last chunk is delivered.

import { Readable, pipeline } from 'node:stream'
import type { Descriptor } from '../../oci/descriptor.ts'
import { createVerifier } from '../../oci/verify.ts'
import { RegistryConnectionError, RegistryProtocolError } from '../../errors.ts'
import { type RetryContext, type RetryOptions, retryDelay, sleep } from './retry.ts'
import { classify, discard, type Response } from './transport.ts'

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
  const verifier = createVerifier(descriptor, options.where)
  const source = Readable.from(download(fetch, descriptor.size, first, { ...options, signal }), { objectMode: false })
  pipeline(source, verifier, () => controller.abort())
  verifier.on('close', () => controller.abort())
  return verifier
}

async function* download(fetch: BlobRequest, size: number, first: Response | undefined, options: BlobReaderOptions & { signal: AbortSignal }): AsyncGenerator<Buffer> {
  const { signal } = options
  let pos = 0
  let attempt = 1
  let next = first
  while (pos < size) {
    signal.throwIfAborted()
    const response = next ?? (await fetch(pos, signal))
    next = undefined
    const start = startOf(response, pos, size, options.where)
    let skip = pos - start
    let failure: unknown
    try {
      for await (const data of response.body as AsyncIterable<Buffer>) {
        let chunk = data
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length
            continue
          }
          chunk = chunk.subarray(skip)
          skip = 0
        }
        pos += chunk.length
        attempt = 1 // progress: a long download over a flaky link gets a fresh set of retries
        yield chunk
        if (pos > size) break // the verifier has already failed on the excess
      }
    } catch (error) {
      failure = classify(error, 'GET', response.url, signal)
    } finally {
      discard(response)
    }
    if (pos >= size) return
    failure ??= new RegistryConnectionError(`GET ${response.url}: the body ended after ${pos} of ${size} bytes`, true)
    const delay = retryDelay(failure, attempt++, options.retry)
    if (delay === undefined) throw failure
    options.retry?.onRetry?.({ attempt: attempt - 1, delayMs: delay, error: failure })
    await sleep(delay, signal)
  }
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
    throw new RegistryProtocolError(`${where}: asked for bytes ${pos}-, the registry answered 206 with Content-Range ${JSON.stringify(header ?? null)} (${response.url})`)
  }
  return pos
}
