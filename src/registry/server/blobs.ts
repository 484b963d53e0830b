// GET and HEAD /v2/<name>/blobs/<digest>: finds the blob registered under that digest in that
// repository (the only way a request reaches a file) and serves it from its source: bytes in
// memory (embedded in the descriptor, or a small file read and verified whole) or one open
// descriptor of its file (blob-files.ts, transfer.ts). Every source answers conditional and
// Range requests the same way (ranges.ts), so a client cannot tell them apart.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { SMALL_BLOB_BYTES } from './blob-files.ts'
import type { Context } from './context.ts'
import { type ByteRange, type Selection, select } from './ranges.ts'
import type { FileBlob, ServedBlob } from '../../content/registry.ts'
import { preconditionFailed, rangeNotSatisfiable, unknownBlob, unknownRepository } from './rejections.ts'
import { count, type LogEntry } from './request-log.ts'
import { responseHeaders } from './responses.ts'
import { sendRange } from './transfer.ts'

export const BLOB_CONTENT_TYPE = 'application/octet-stream'

export function blob(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  head: boolean,
  name: string,
  digest: string,
  entry: LogEntry | undefined,
): void | Promise<void> {
  const repo = context.registry.repository(name)
  const found = repo?.blobs.get(digest)
  if (found !== undefined) return serveBlob(context, req, res, head, found, entry)
  if (repo === undefined) throw unknownRepository(name)
  throw unknownBlob(name, digest)
}

function serveBlob(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  head: boolean,
  b: ServedBlob,
  entry: LogEntry | undefined,
): void | Promise<void> {
  if (b.kind === 'memory') return sendBytes(req, res, head, b, b.data, entry)
  const cached = context.files.cached(b)
  if (cached !== undefined) return sendBytes(req, res, head, b, cached, entry)
  if (b.size <= SMALL_BLOB_BYTES) return context.files.readSmall(b).then((bytes) => sendBytes(req, res, head, b, bytes, entry))
  return sendFile(context, req, res, head, b, entry)
}

/** The answer from bytes known to be the blob. */
function sendBytes(req: IncomingMessage, res: ServerResponse, head: boolean, b: ServedBlob, bytes: Buffer, entry: LogEntry | undefined): void {
  const { status, headers, range } = responseHead(b, selectOrThrow(req, b))
  res.writeHead(status, headers)
  if (head || range === undefined) {
    res.end()
    return
  }
  res.end(bytes.subarray(range.start, range.end + 1))
  count(entry, range.end + 1 - range.start)
}

/**
 * The answer from the blob file. HEAD and 304 open (and fstat) it too, so every request for a
 * file that cannot be served gets the same error.
 */
async function sendFile(context: Context, req: IncomingMessage, res: ServerResponse, head: boolean, b: FileBlob, entry: LogEntry | undefined): Promise<void> {
  const { status, headers, range } = responseHead(b, selectOrThrow(req, b))
  if (head || range === undefined) {
    await context.files.check(b)
    res.writeHead(status, headers)
    res.end()
    return
  }
  const onBytes = entry === undefined ? undefined : (n: number): void => count(entry, n)
  // The head goes out with the first chunk: a file found wrong before that is still answered 500.
  await sendRange(b, res, range, () => res.writeHead(status, headers), { pool: context.pool, files: context.files, onBytes })
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
