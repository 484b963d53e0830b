// GET and HEAD /v2/<name>/manifests/<tag or digest>: the hot path of every pull. A served
// manifest carries its response headers, computed when it was added (registry.ts), so a hit
// is a map lookup or two and one write.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Context } from './context.ts'
import { select } from './ranges.ts'
import type { ServedManifest } from './registry.ts'
import { preconditionFailed, unknownManifest, unknownRepository } from './rejections.ts'
import { count, type LogEntry } from './request-log.ts'

export function manifest(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  head: boolean,
  name: string,
  reference: string,
  entry: LogEntry | undefined,
): void {
  const repo = context.registry.repository(name)
  const found = repo?.manifest(reference)
  if (found !== undefined) return serveManifest(req, res, head, found, entry)
  if (repo === undefined) throw unknownRepository(name)
  throw unknownManifest(name, reference)
}

function serveManifest(req: IncomingMessage, res: ServerResponse, head: boolean, m: ServedManifest, entry: LogEntry | undefined): void {
  // Manifests answer preconditions like blobs, and ignore Range (a client never needs part of one).
  const headers = req.headers
  if (headers['if-none-match'] !== undefined || headers['if-match'] !== undefined) {
    const selection = select({ 'if-match': headers['if-match'], 'if-none-match': headers['if-none-match'] }, m.etag, m.body.length)
    if (selection.kind === 'not-modified') {
      res.writeHead(304, m.notModifiedHeaders)
      res.end()
      return
    }
    if (selection.kind === 'precondition-failed') throw preconditionFailed(m.digest)
  }
  res.writeHead(200, m.headers)
  if (head) {
    res.end()
    return
  }
  if (m.latin1Body !== undefined) res.end(m.latin1Body, 'latin1')
  else res.end(m.body)
  count(entry, m.body.length)
}
