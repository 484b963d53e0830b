// The HTTP side of the read-only registry: routes GET and HEAD requests of the OCI
// Distribution spec (pull and content discovery) to the Registry's content.
//
// Routing parses the raw request path strictly and without regular expressions: the path is
// never decoded or normalised, so "..", "%2e%2e", "%2F" or NUL can only ever end up inside a
// repository name, tag or digest, where the grammar check rejects them. Nothing here builds a
// file path from the request: a blob file is found only by looking up a digest registered for
// that repository, so no request can reach a file that is not a blob of a loaded image.

import type { Stats } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import send from 'send'
import { computeDigest, parseDigest, quote } from '../../oci/digest.ts'
import { OCI_INDEX } from '../../oci/media-types.ts'
import { ContentMismatchError, DigestError } from '../../errors.ts'
import { clampSuffixRanges, ifRangeHolds, parseByteRange } from './memory-range.ts'
import { isValidRepository, isValidTag } from './names.ts'
import { API_VERSION, API_VERSION_HEADER, type FileBlob, type Registry, type Repository, type ServedManifest } from './registry.ts'
import { ResponseClosedError, pumpFile } from './pump.ts'
import { SMALL_BLOB_BYTES, SmallBlobs } from './small-blobs.ts'
import { noneMatchHits, paginate, parsePageSize, printable, sendError, sendJson } from './responses.ts'
import { VerifiedFiles } from './verified.ts'

export interface HandlerOptions {
  /** Gets one line per request (method, target, status, body bytes, milliseconds) and one per server-side error. */
  log?: (line: string) => void
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

interface Context {
  readonly registry: Registry
  readonly verified: VerifiedFiles
  readonly smallBlobs: SmallBlobs
  /** Where server-side problems go: the log option, or stderr without one. */
  readonly logError: (line: string) => void
}

/** Per-request log state; only allocated when there is a log. */
class LogEntry {
  readonly start = performance.now()
  bytes = 0

  line(req: IncomingMessage, res: ServerResponse): string {
    const ms = (performance.now() - this.start).toFixed(1)
    const aborted = res.writableFinished ? '' : ' (aborted)'
    return `${req.method} ${printable(req.url ?? '')} ${res.statusCode}${aborted} ${this.bytes} ${ms}ms`
  }
}

const SLASH = 0x2f
const BLOB_CONTENT_TYPE = 'application/octet-stream'

export function createHandler(registry: Registry, options: HandlerOptions = {}): Handler {
  const log = options.log
  const logError = log ?? ((line: string) => void process.stderr.write(`${line}\n`))
  const context: Context = { registry, verified: new VerifiedFiles(), smallBlobs: new SmallBlobs(), logError }
  return (req, res) => {
    let entry: LogEntry | undefined
    if (log !== undefined) {
      const e = new LogEntry()
      entry = e
      res.once('close', () => log(e.line(req, res)))
    }
    try {
      route(context, req, res, entry)
    } catch (error) {
      internalError(context, req, res, error)
    }
  }
}

function internalError(context: Context, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
  context.logError(`internal error serving ${req.method} ${printable(req.url ?? '')}: ${detail}`)
  if (res.headersSent) res.destroy()
  else sendError(res, 500, 'UNKNOWN', 'internal server error')
}

function count(entry: LogEntry | undefined, bytes: number): void {
  if (entry !== undefined) entry.bytes += bytes
}

function route(context: Context, req: IncomingMessage, res: ServerResponse, entry: LogEntry | undefined): void {
  const method = req.method
  if (method !== 'GET' && method !== 'HEAD') {
    const message = `this registry is read-only: ${quote(method ?? '')} is not supported, only GET and HEAD`
    count(entry, sendError(res, 405, 'UNSUPPORTED', message, { method }, ['Allow', 'GET, HEAD']))
    return
  }
  const head = method === 'HEAD'
  const target = req.url ?? ''
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  const query = q === -1 ? '' : target.slice(q + 1)
  if (!path.startsWith('/v2') || (path.length > 3 && path.charCodeAt(3) !== SLASH)) return notFound(res, path, entry)
  if (path.length <= 4) return count(entry, sendJson(res, head, {}))
  if (path === '/v2/_catalog') return catalog(context, res, head, query, entry)
  // /v2/<name>/<kind>/<argument>: the name may contain "/", the kind and argument cannot.
  const last = path.lastIndexOf('/')
  const previous = last > 4 ? path.lastIndexOf('/', last - 1) : -1
  if (previous < 4) return notFound(res, path, entry)
  const name = path.slice(4, previous)
  const kind = path.slice(previous + 1, last)
  const argument = path.slice(last + 1)
  switch (kind) {
    case 'manifests':
      return manifest(context, req, res, head, name, argument, entry)
    case 'blobs':
      return blob(context, req, res, head, name, argument, entry)
    case 'referrers':
      return referrers(context, res, head, name, argument, query, entry)
    case 'tags':
      if (argument === 'list') return tagsList(context, res, head, name, query, entry)
  }
  notFound(res, path, entry)
}

function notFound(res: ServerResponse, path: string, entry: LogEntry | undefined): void {
  const message = `no such endpoint ${quote(path)}: this registry serves /v2/, /v2/_catalog and /v2/<name>/{manifests,blobs,referrers}/<reference>, /v2/<name>/tags/list`
  count(entry, sendError(res, 404, 'UNSUPPORTED', message))
}

/** Answers a request for an unknown repository: 400 when the name cannot be one, 404 otherwise. */
function unknownRepository(res: ServerResponse, name: string, entry: LogEntry | undefined): void {
  if (!isValidRepository(name)) {
    count(entry, sendError(res, 400, 'NAME_INVALID', `invalid repository name ${quote(name)}`, { name: name.slice(0, 300) }))
  } else {
    count(entry, sendError(res, 404, 'NAME_UNKNOWN', `repository ${quote(name)} is not known to this registry`, { name }))
  }
}

function digestProblem(digest: string): string | undefined {
  try {
    parseDigest(digest)
    return undefined
  } catch (error) {
    if (error instanceof DigestError) return error.message
    throw error
  }
}

// --- manifests ---

function manifest(context: Context, req: IncomingMessage, res: ServerResponse, head: boolean, name: string, reference: string, entry: LogEntry | undefined): void {
  const repo = context.registry.repository(name)
  const found = repo?.manifest(reference)
  if (found !== undefined) return serveManifest(req, res, head, found, entry)
  if (repo === undefined && !isValidRepository(name)) return unknownRepository(res, name, entry)
  if (reference.includes(':')) {
    const problem = digestProblem(reference)
    if (problem !== undefined) return count(entry, sendError(res, 400, 'DIGEST_INVALID', problem, { digest: reference.slice(0, 300) }))
  } else if (!isValidTag(reference)) {
    return count(entry, sendError(res, 400, 'TAG_INVALID', `invalid tag ${quote(reference)}: a tag is 1 to 128 of [a-zA-Z0-9_.-], not starting with "." or "-"`, { tag: reference.slice(0, 300) }))
  }
  if (repo === undefined) return unknownRepository(res, name, entry)
  count(entry, sendError(res, 404, 'MANIFEST_UNKNOWN', `manifest ${quote(reference)} is not known in repository ${quote(name)}`, { name, reference }))
}

function serveManifest(req: IncomingMessage, res: ServerResponse, head: boolean, m: ServedManifest, entry: LogEntry | undefined): void {
  const noneMatch = req.headers['if-none-match']
  if (noneMatch !== undefined && noneMatchHits(noneMatch, m.etag)) {
    res.writeHead(304, m.notModifiedHeaders)
    res.end()
    return
  }
  res.writeHead(200, m.headers)
  if (head) {
    res.end()
  } else {
    res.end(m.body)
    count(entry, m.body.length)
  }
}

// --- blobs ---

function blob(context: Context, req: IncomingMessage, res: ServerResponse, head: boolean, name: string, digest: string, entry: LogEntry | undefined): void {
  const repo = context.registry.repository(name)
  const found = repo?.blobs.get(digest)
  if (found !== undefined) {
    if (found.kind === 'memory') return serveMemoryBlob(req, res, head, found.digest, found.data, entry)
    const small = context.smallBlobs.get(found)
    if (small !== undefined) return serveMemoryBlob(req, res, head, found.digest, small, entry)
    return serveFileBlob(context, req, res, found, entry)
  }
  if (repo === undefined && !isValidRepository(name)) return unknownRepository(res, name, entry)
  const problem = digestProblem(digest)
  if (problem !== undefined) return count(entry, sendError(res, 400, 'DIGEST_INVALID', problem, { digest: digest.slice(0, 300) }))
  if (repo === undefined) return unknownRepository(res, name, entry)
  count(entry, sendError(res, 404, 'BLOB_UNKNOWN', `blob ${digest} is not known in repository ${quote(name)}`, { name, digest }))
}

function setBlobHeaders(res: ServerResponse, digest: string): void {
  res.setHeader(API_VERSION_HEADER, API_VERSION)
  res.setHeader('Docker-Content-Digest', digest)
  res.setHeader('ETag', `"${digest}"`)
  res.setHeader('Content-Type', BLOB_CONTENT_TYPE)
  res.setHeader('X-Content-Type-Options', 'nosniff')
}

interface SendError extends Error {
  status?: number
  code?: string
}

/**
 * Serves a blob file with `send`, which implements Range (RFC 9110: a-b, a-, -n, clamping,
 * 416 with "bytes *\/size", If-Range) and conditional requests (If-None-Match → 304, If-Match).
 * We give it our own ETag ("<digest>") and turn off Last-Modified and Cache-Control, which
 * mean nothing for content-addressed blobs. `end` caps the length at the descriptor's size.
 *
 * send would pipe a fs.ReadStream straight into the response; we replace its `stream` step
 * (called once headers, status and length are settled, before any byte is written) so the
 * bytes go through the digest check described in verified.ts, and are copied by pump.ts,
 * which is faster than a ReadStream (see there for why and by how much). Its errors (416, 412,
 * a vanished file) come to our listener instead of its HTML error page, so they are JSON and
 * keep the registry headers.
 */
function serveFileBlob(context: Context, req: IncomingMessage, res: ServerResponse, b: FileBlob, entry: LogEntry | undefined): void {
  setBlobHeaders(res, b.digest)
  let stats: Stats | undefined
  const sender = send(req, b.relative, { root: b.root, etag: false, lastModified: false, cacheControl: false, dotfiles: 'allow', index: false, end: b.size - 1 })
  sender.on('file', (_path: string, s: Stats) => {
    stats = s
    // Emitted just before send reads the Range header: see clampSuffixRanges.
    const range = req.headers.range
    if (range !== undefined) req.headers.range = clampSuffixRanges(range, b.size)
  })
  sender.on('error', (error: SendError) => {
    try {
      onSendError(context, res, b, error, entry)
    } catch (failure) {
      internalError(context, req, res, failure)
    }
  })
  sender.stream = (path: string, options: object): void => {
    try {
      streamFile(context, res, b, path, stats, options as ReadRange, entry)
    } catch (failure) {
      internalError(context, req, res, failure)
    }
  }
  sender.pipe(res)
}

function onSendError(context: Context, res: ServerResponse, b: FileBlob, error: SendError, entry: LogEntry | undefined): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const status = error.status ?? 500
  if (status === 416) {
    count(entry, sendError(res, 416, 'UNSUPPORTED', `requested range not satisfiable: blob ${b.digest} has ${b.size} bytes`, { digest: b.digest, size: b.size }, ['Content-Range', `bytes */${b.size}`]))
  } else if (status === 412) {
    sendError(res, 412, 'UNSUPPORTED', `precondition failed for blob ${b.digest}`, { digest: b.digest })
  } else {
    context.logError(`cannot serve blob ${b.digest} from ${b.path} (layout ${b.layout}): ${error.code ?? ''} ${error.message}`)
    sendError(res, 500, 'UNKNOWN', `blob ${b.digest} cannot be read on the server`, { digest: b.digest })
  }
}

interface ReadRange {
  start: number
  end: number
}

function streamFile(context: Context, res: ServerResponse, b: FileBlob, path: string, stats: Stats | undefined, range: ReadRange, entry: LogEntry | undefined): void {
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
    (error: unknown) => {
      context.logError(`not serving blob ${b.digest} from ${path} (layout ${b.layout}): ${error instanceof Error ? error.message : String(error)}`)
      if (!res.headersSent && !res.destroyed) sendError(res, 500, 'UNKNOWN', `blob ${b.digest} is corrupt on the server`, { digest: b.digest })
    },
  )
}

/** A small blob's first request: read and verify it whole (see small-blobs.ts), then send the range asked for. */
function sendSmallFile(context: Context, res: ServerResponse, b: FileBlob, path: string, start: number, end: number, entry: LogEntry | undefined): void {
  context.smallBlobs.load(b, path).then(
    (data) => {
      if (res.destroyed) return
      const length = b.size === 0 ? 0 : end - start + 1
      res.end(data.subarray(start, start + length))
      count(entry, length)
    },
    (error: unknown) => {
      context.logError(`not serving blob ${b.digest} from ${path} (layout ${b.layout}): ${error instanceof Error ? error.message : String(error)}`)
      if (!res.headersSent && !res.destroyed) sendError(res, 500, 'UNKNOWN', `blob ${b.digest} is corrupt on the server`, { digest: b.digest })
    },
  )
}

function pipeFile(context: Context, res: ServerResponse, b: FileBlob, path: string, stats: Stats, start: number, end: number, verify: boolean, entry: LogEntry | undefined): void {
  const where = `blob ${b.digest} (${path}) of layout ${b.layout}`
  // send reports an empty range as start = end = 0; only a 0-byte blob has one.
  const length = b.size === 0 ? 0 : end - start + 1
  const onBytes = entry === undefined ? undefined : (n: number): void => void (entry.bytes += n)
  pumpFile(path, res, { start, length, where, ...(verify && { verifyDigest: b.digest }), ...(onBytes && { onBytes }) }).then(
    () => {
      if (verify) context.verified.markVerified(path, stats)
    },
    (error: unknown) => {
      res.destroy()
      if (error instanceof ContentMismatchError) context.logError(`${error.message}: response cut off so the client cannot take it for the blob`)
      else if (!(error instanceof ResponseClosedError) && !res.writableFinished && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_DESTROYED') {
        context.logError(`failed to send ${where}: ${error instanceof Error ? error.message : String(error)}`)
      }
    },
  )
}

/** Serves a blob from memory (embedded in its descriptor, or a small verified file): headers, 304 and Range as for files (see memory-range.ts). */
function serveMemoryBlob(req: IncomingMessage, res: ServerResponse, head: boolean, digest: string, data: Buffer, entry: LogEntry | undefined): void {
  const b = { digest, size: data.length, data }
  const etag = `"${digest}"`
  const headers = [API_VERSION_HEADER, API_VERSION, 'Docker-Content-Digest', digest, 'ETag', etag, 'X-Content-Type-Options', 'nosniff', 'Accept-Ranges', 'bytes']
  const noneMatch = req.headers['if-none-match']
  if (noneMatch !== undefined && noneMatchHits(noneMatch, etag)) {
    res.writeHead(304, headers)
    res.end()
    return
  }
  const ifMatch = firstHeader(req.headers['if-match'])
  if (ifMatch !== undefined && ifMatch.trim() !== '*' && !ifMatch.includes(etag)) {
    count(entry, sendError(res, 412, 'UNSUPPORTED', `precondition failed for blob ${b.digest}`, { digest: b.digest }))
    return
  }
  let start = 0
  let end = b.size - 1
  let status = 200
  const rangeHeader = req.headers.range
  if (rangeHeader !== undefined && /^ *bytes=/.test(rangeHeader) && ifRangeHolds(firstHeader(req.headers['if-range']), etag)) {
    const range = parseByteRange(b.size, rangeHeader)
    if (range === -1) {
      count(entry, sendError(res, 416, 'UNSUPPORTED', `requested range not satisfiable: blob ${b.digest} has ${b.size} bytes`, { digest: b.digest, size: b.size }, ['Content-Range', `bytes */${b.size}`]))
      return
    }
    if (range !== undefined) {
      status = 206
      start = range.start
      end = range.end
      headers.push('Content-Range', `bytes ${start}-${end}/${b.size}`)
    }
  }
  headers.push('Content-Type', BLOB_CONTENT_TYPE, 'Content-Length', String(end - start + 1))
  res.writeHead(status, headers)
  if (head) {
    res.end()
  } else {
    res.end(b.data.subarray(start, end + 1))
    count(entry, end - start + 1)
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

// --- content discovery ---

/** n and last of a list request, or undefined after answering 400. */
function pageParameters(res: ServerResponse, query: string, entry: LogEntry | undefined): { n: number | undefined; last: string | undefined } | undefined {
  if (query === '') return { n: undefined, last: undefined }
  const params = new URLSearchParams(query)
  const raw = params.get('n')
  const n = parsePageSize(raw)
  if (n === 'invalid') {
    count(entry, sendError(res, 400, 'PAGINATION_NUMBER_INVALID', `invalid page size n=${quote(raw ?? '')}: it must be a positive integer`, { n: (raw ?? '').slice(0, 100) }))
    return undefined
  }
  return { n, last: params.get('last') ?? undefined }
}

function nextLink(base: string, n: number | undefined, next: string | undefined): string[] {
  if (next === undefined || n === undefined) return []
  return ['Link', `<${base}?n=${n}&last=${encodeURIComponent(next)}>; rel="next"`]
}

function tagsList(context: Context, res: ServerResponse, head: boolean, name: string, query: string, entry: LogEntry | undefined): void {
  const repo = context.registry.repository(name)
  if (repo === undefined) return unknownRepository(res, name, entry)
  const page = pageParameters(res, query, entry)
  if (page === undefined) return
  const { items, next } = paginate(repo.sortedTags(), page.n, page.last)
  count(entry, sendJson(res, head, { name, tags: items }, 'application/json', nextLink(`/v2/${name}/tags/list`, page.n, next)))
}

function catalog(context: Context, res: ServerResponse, head: boolean, query: string, entry: LogEntry | undefined): void {
  const page = pageParameters(res, query, entry)
  if (page === undefined) return
  const { items, next } = paginate(context.registry.repositories(), page.n, page.last)
  count(entry, sendJson(res, head, { repositories: items }, 'application/json', nextLink('/v2/_catalog', page.n, next)))
}

/**
 * OCI 1.1 referrers: an index of the manifests in this repository whose subject is `digest`.
 * Always 200 with an index (the spec forbids a 404 here, even for an unknown repository),
 * except 400 for an invalid name or digest.
 */
function referrers(context: Context, res: ServerResponse, head: boolean, name: string, digest: string, query: string, entry: LogEntry | undefined): void {
  const repo: Repository | undefined = context.registry.repository(name)
  if (repo === undefined && !isValidRepository(name)) return unknownRepository(res, name, entry)
  const problem = digestProblem(digest)
  if (problem !== undefined) return count(entry, sendError(res, 400, 'DIGEST_INVALID', problem, { digest: digest.slice(0, 300) }))
  const all = repo?.referrers.get(digest) ?? []
  const types = query === '' ? [] : new URLSearchParams(query).getAll('artifactType').filter((t) => t !== '')
  const manifests = types.length === 0 ? all : all.filter((d) => d.artifactType !== undefined && types.includes(d.artifactType))
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))
  const headers = [
    API_VERSION_HEADER, API_VERSION,
    'Content-Type', OCI_INDEX,
    'Content-Length', String(body.length),
    'Docker-Content-Digest', computeDigest(body),
    'X-Content-Type-Options', 'nosniff',
  ]
  if (types.length > 0) headers.push('OCI-Filters-Applied', 'artifactType')
  res.writeHead(200, headers)
  res.end(head ? undefined : body)
  count(entry, head ? 0 : body.length)
}
