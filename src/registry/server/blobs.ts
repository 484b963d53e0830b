// GET and HEAD /v2/<name>/blobs/<digest>: finds the blob registered under that digest in that
// repository (the only way a request reaches a file) and serves it from its source: bytes in
// memory (embedded in the descriptor, or a small file read and verified whole) or one open
// descriptor of its file (blob-files.ts, transfer.ts). Every source answers conditional and
// Range requests the same way (ranges.ts), so a client cannot tell them apart.

import type { IncomingMessage } from 'node:http'
import type { FileBlob, ServedBlob } from '../../content/registry.ts'
import { SMALL_BLOB_BYTES } from './blob-files.ts'
import type { Context } from './context.ts'
import { type Exchange, responseHeaders } from './exchange.ts'
import { type ByteRange, type Selection, select } from './ranges.ts'
import { preconditionFailed, rangeNotSatisfiable, unknownBlob, unknownRepository } from './rejections.ts'
import { sendRange } from './transfer.ts'

export const BLOB_CONTENT_TYPE = 'application/octet-stream'

export function blob(context: Context, exchange: Exchange, name: string, digest: string): void | Promise<void> {
  const repo = context.registry.repository(name)
  const found = repo?.blobs.get(digest)
  if (found !== undefined) return serveBlob(context, exchange, found)
  if (repo === undefined) throw unknownRepository(name)
  throw unknownBlob(name, digest)
}

function serveBlob(context: Context, exchange: Exchange, b: ServedBlob): void | Promise<void> {
  if (b.kind === 'memory') return sendBytes(exchange, b, b.data)
  const cached = context.files.cached(b)
  if (cached !== undefined) return sendBytes(exchange, b, cached)
  if (b.size <= SMALL_BLOB_BYTES) return context.files.readSmall(b).then((bytes) => sendBytes(exchange, b, bytes))
  return sendFile(context, exchange, b)
}

/** The answer from bytes known to be the blob. */
function sendBytes(exchange: Exchange, b: ServedBlob, bytes: Buffer): void {
  const { status, headers, range } = responseHead(b, selectOrThrow(exchange.req, b))
  exchange.send(status, headers, range === undefined ? undefined : bytes.subarray(range.start, range.end + 1))
}

/**
 * The answer from the blob file. HEAD and 304 open (and fstat) it too, so every request for a
 * file that cannot be served gets the same error.
 */
async function sendFile(context: Context, exchange: Exchange, b: FileBlob): Promise<void> {
  const { status, headers, range } = responseHead(b, selectOrThrow(exchange.req, b))
  if (exchange.head || range === undefined) {
    await context.files.check(b)
    exchange.send(status, headers, undefined)
    return
  }
  // The head goes out with the first chunk: a file found wrong before that is still answered 500.
  await sendRange(context, exchange, b, range, () => exchange.res.writeHead(status, headers))
}

function selectOrThrow(req: IncomingMessage, b: ServedBlob): Selection {
  const h = req.headers
  const ifRange = h['if-range']
  const conditions = {
    'if-match': h['if-match'],
    'if-none-match': h['if-none-match'],
    'if-range': Array.isArray(ifRange) ? ifRange[0] : ifRange,
    range: h.range,
  }
  const selection = select(conditions, `"${b.digest}"`, b.size)
  if (selection.kind === 'precondition-failed') throw preconditionFailed(b.digest)
  if (selection.kind === 'unsatisfiable') throw rangeNotSatisfiable(b.digest, b.size)
  return selection
}

interface ResponseHead {
  status: number
  headers: string[]
  /** The bytes to send (inclusive end); undefined for a 304 or an empty blob. */
  range: ByteRange | undefined
}

/** Status and headers of a 200, 206 or 304. */
function responseHead(b: ServedBlob, selection: Selection): ResponseHead {
  const headers = responseHeaders('Docker-Content-Digest', b.digest, 'ETag', `"${b.digest}"`, 'Accept-Ranges', 'bytes')
  if (selection.kind === 'not-modified') return { status: 304, headers, range: undefined }
  const range = selection.kind === 'range' ? selection : { start: 0, end: b.size - 1 }
  if (selection.kind === 'range') headers.push('Content-Range', `bytes ${range.start}-${range.end}/${b.size}`)
  headers.push('Content-Type', BLOB_CONTENT_TYPE, 'Content-Length', String(range.end + 1 - range.start))
  return { status: selection.kind === 'range' ? 206 : 200, headers, range: b.size === 0 ? undefined : range }
}
