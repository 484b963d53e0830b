// Blobs served from their files in a layout directory.
//
// `send` implements Range (RFC 9110: a-b, a-, -n, clamping, 416 with "bytes *\/size", If-Range)
// and conditional requests (If-None-Match → 304, If-Match). We give it our own ETag
// ("<digest>") and turn off Last-Modified and Cache-Control, which mean nothing for
// content-addressed blobs. `end` caps the length at the descriptor's size.
//
// send would pipe a fs.ReadStream straight into the response; we replace its `stream` step
// (called once headers, status and length are settled, before any byte is written) so the
// bytes go through the digest check described in verified.ts, and are copied by pump.ts,
// which is faster than a ReadStream (see there for why and by how much). Its errors (416, 412,
// a vanished file) come to our listener instead of its HTML error page, so they are JSON and
// keep the registry headers.

import type { Stats } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import send from 'send'
import { ContentMismatchError } from '../../errors.ts'
import { BLOB_CONTENT_TYPE, sendPreconditionFailed, sendUnsatisfiableRange } from './blob-responses.ts'
import { type Context, guarded, messageOf } from './context.ts'
import { clampSuffixRanges } from './memory-range.ts'
import { ResponseClosedError, pumpFile } from './pump.ts'
import { API_VERSION, API_VERSION_HEADER, type FileBlob } from './registry.ts'
import { count, type LogEntry } from './request-log.ts'
import { sendError } from './responses.ts'
import { SMALL_BLOB_BYTES } from './small-blobs.ts'

interface SendError extends Error {
  status?: number
  code?: string
}

/** The byte range send settled on (inclusive `end`). */
interface ReadRange {
  start: number
  end: number
}

export function serveFileBlob(context: Context, req: IncomingMessage, res: ServerResponse, b: FileBlob, entry: LogEntry | undefined): void {
  setBlobHeaders(res, b.digest)
  let stats: Stats | undefined
  const sender = send(req, b.relative, {
    root: b.root,
    etag: false,
    lastModified: false,
    cacheControl: false,
    dotfiles: 'allow',
    index: false,
    end: b.size - 1,
  })
  sender.on('file', (_path: string, s: Stats) => {
    stats = s
    // Emitted just before send reads the Range header: see clampSuffixRanges.
    const range = req.headers.range
    if (range !== undefined) req.headers.range = clampSuffixRanges(range, b.size)
  })
  sender.on('error', (error: SendError) => guarded(context, req, res, () => onSendError(context, res, b, error, entry)))
  sender.stream = (path: string, options: object): void =>
    guarded(context, req, res, () => streamFile(context, res, b, path, stats, options as ReadRange, entry))
  sender.pipe(res)
}

/** Headers for send to keep (it adds Content-Length, Content-Range, Accept-Ranges). */
function setBlobHeaders(res: ServerResponse, digest: string): void {
  res.setHeader(API_VERSION_HEADER, API_VERSION)
  res.setHeader('Docker-Content-Digest', digest)
  res.setHeader('ETag', `"${digest}"`)
  res.setHeader('Content-Type', BLOB_CONTENT_TYPE)
  res.setHeader('X-Content-Type-Options', 'nosniff')
}

function onSendError(context: Context, res: ServerResponse, b: FileBlob, error: SendError, entry: LogEntry | undefined): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const status = error.status ?? 500
  if (status === 416) {
    count(entry, sendUnsatisfiableRange(res, b))
  } else if (status === 412) {
    sendPreconditionFailed(res, b.digest)
  } else {
    context.logError(`cannot serve blob ${b.digest} from ${b.path} (layout ${b.layout}): ${error.code ?? ''} ${error.message}`)
    sendError(res, 500, 'UNKNOWN', `blob ${b.digest} cannot be read on the server`, { digest: b.digest })
  }
}

/** send's stream step: checks the file is the size its descriptor says, then sends the range, verified. */
function streamFile(
  context: Context,
  res: ServerResponse,
  b: FileBlob,
  path: string,
  stats: Stats | undefined,
  range: ReadRange,
  entry: LogEntry | undefined,
): void {
  if (stats === undefined || stats.size !== b.size) {
    context.logError(`blob file ${path} (layout ${b.layout}) has ${stats?.size ?? 'unknown'} bytes, its descriptor says ${b.size}: not serving ${b.digest}`)
    sendError(res, 500, 'UNKNOWN', `blob ${b.digest} is corrupt on the server`, { digest: b.digest })
    return
  }
  const { start, end } = range
  if (b.size <= SMALL_BLOB_BYTES) return sendSmallFile(context, res, b, path, start, end, entry)
  const verified = context.verified
  if (verified.isVerified(path, stats)) return pipeFile(context, res, b, path, stats, start, end, false, entry)
  if (start === 0 && end + 1 >= b.size) return pipeFile(context, res, b, path, stats, start, end, true, entry)
  // A part of a blob never verified: hash all of it first, so no unverified byte goes out.
  verified.verify(path, stats, b.digest, b.size).then(
    () => {
      if (!res.destroyed) pipeFile(context, res, b, path, stats, start, end, false, entry)
    },
    (error: unknown) => refuseCorruptFile(context, res, b, path, error),
  )
}

/** A small blob's first request: read and verify it whole (see small-blobs.ts), then send the range asked for. */
function sendSmallFile(context: Context, res: ServerResponse, b: FileBlob, path: string, start: number, end: number, entry: LogEntry | undefined): void {
  context.smallBlobs.load(b, path).then(
    (data) => {
      if (res.destroyed) return
      const length = rangeLength(b, start, end)
      res.end(data.subarray(start, start + length))
      count(entry, length)
    },
    (error: unknown) => refuseCorruptFile(context, res, b, path, error),
  )
}

/** A file that failed verification before any byte went out: logged, and 500 if the client still waits. */
function refuseCorruptFile(context: Context, res: ServerResponse, b: FileBlob, path: string, error: unknown): void {
  context.logError(`not serving blob ${b.digest} from ${path} (layout ${b.layout}): ${messageOf(error)}`)
  if (!res.headersSent && !res.destroyed) sendError(res, 500, 'UNKNOWN', `blob ${b.digest} is corrupt on the server`, { digest: b.digest })
}

// send reports an empty range as start = end = 0; only a 0-byte blob has one.
function rangeLength(b: FileBlob, start: number, end: number): number {
  return b.size === 0 ? 0 : end - start + 1
}

function pipeFile(
  context: Context,
  res: ServerResponse,
  b: FileBlob,
  path: string,
  stats: Stats,
  start: number,
  end: number,
  verify: boolean,
  entry: LogEntry | undefined,
): void {
  const where = `blob ${b.digest} (${path}) of layout ${b.layout}`
  const length = rangeLength(b, start, end)
  const onBytes = entry === undefined ? undefined : (n: number): void => count(entry, n)
  pumpFile(path, res, { start, length, where, ...(verify && { verifyDigest: b.digest }), ...(onBytes && { onBytes }) }).then(
    () => {
      if (verify) context.verified.markVerified(path, stats)
    },
    (error: unknown) => {
      res.destroy()
      logPumpFailure(context, res, where, error)
    },
  )
}

/** A transfer cut off: worth a line when the content was wrong or the server failed, not when the client went away. */
function logPumpFailure(context: Context, res: ServerResponse, where: string, error: unknown): void {
  if (error instanceof ContentMismatchError) {
    context.logError(`${error.message}: response cut off so the client cannot take it for the blob`)
    return
  }
  const clientGone = error instanceof ResponseClosedError || res.writableFinished || (error as NodeJS.ErrnoException).code === 'ERR_STREAM_DESTROYED'
  if (!clientGone) context.logError(`failed to send ${where}: ${messageOf(error)}`)
}
