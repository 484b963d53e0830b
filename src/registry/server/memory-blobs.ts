// Blobs served from memory: embedded in their descriptor, or small verified files
// (small-blobs.ts). Headers, 304, 412 and Range as send answers for files (see memory-range.ts).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { BLOB_CONTENT_TYPE, sendPreconditionFailed, sendUnsatisfiableRange } from './blob-responses.ts'
import { type ByteRange, ifRangeHolds, parseByteRange } from './memory-range.ts'
import { API_VERSION, API_VERSION_HEADER } from './registry.ts'
import { count, type LogEntry } from './request-log.ts'
import { noneMatchHits } from './responses.ts'

export function serveMemoryBlob(req: IncomingMessage, res: ServerResponse, head: boolean, digest: string, data: Buffer, entry: LogEntry | undefined): void {
  const size = data.length
  const etag = `"${digest}"`
  const headers = [
    API_VERSION_HEADER,
    API_VERSION,
    'Docker-Content-Digest',
    digest,
    'ETag',
    etag,
    'X-Content-Type-Options',
    'nosniff',
    'Accept-Ranges',
    'bytes',
  ]
  if (answeredPrecondition(req, res, digest, etag, headers, entry)) return
  const range = requestedRange(req, size, etag)
  if (range === -1) {
    count(entry, sendUnsatisfiableRange(res, { digest, size }))
    return
  }
  const start = range?.start ?? 0
  const end = range?.end ?? size - 1
  if (range !== undefined) headers.push('Content-Range', `bytes ${start}-${end}/${size}`)
  headers.push('Content-Type', BLOB_CONTENT_TYPE, 'Content-Length', String(end - start + 1))
  res.writeHead(range === undefined ? 200 : 206, headers)
  if (head) {
    res.end()
  } else {
    res.end(data.subarray(start, end + 1))
    count(entry, end - start + 1)
  }
}

/** If-None-Match naming our ETag: 304; If-Match not naming it: 412. Returns true when it answered. */
function answeredPrecondition(
  req: IncomingMessage,
  res: ServerResponse,
  digest: string,
  etag: string,
  headers: string[],
  entry: LogEntry | undefined,
): boolean {
  const noneMatch = req.headers['if-none-match']
  if (noneMatch !== undefined && noneMatchHits(noneMatch, etag)) {
    res.writeHead(304, headers)
    res.end()
    return true
  }
  const ifMatch = firstHeader(req.headers['if-match'])
  if (ifMatch !== undefined && ifMatch.trim() !== '*' && !ifMatch.includes(etag)) {
    count(entry, sendPreconditionFailed(res, digest))
    return true
  }
  return false
}

/** The part asked for: a range, -1 when unsatisfiable, undefined for the whole blob (no usable Range, or If-Range fails). */
function requestedRange(req: IncomingMessage, size: number, etag: string): ByteRange | -1 | undefined {
  const header = req.headers.range
  if (header === undefined || !/^ *bytes=/.test(header) || !ifRangeHolds(firstHeader(req.headers['if-range']), etag)) return undefined
  return parseByteRange(size, header)
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
