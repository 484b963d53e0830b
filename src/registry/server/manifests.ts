// GET and HEAD /v2/<name>/manifests/<tag or digest>: the hot path of every pull. A served
// manifest carries its response headers, computed when it was added (registry.ts), so a hit
// is a map lookup or two and one write.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { quote } from '../../oci/digest.ts'
import type { Context } from './context.ts'
import { isValidRepository, isValidTag } from '../../oci/names.ts'
import type { ServedManifest } from './registry.ts'
import { refusedInvalidDigest, unknownRepository } from './rejections.ts'
import { count, type LogEntry } from './request-log.ts'
import { noneMatchHits, sendError } from './responses.ts'

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
  if (repo === undefined && !isValidRepository(name)) return unknownRepository(res, name, entry)
  if (refusedInvalidReference(res, reference, entry)) return
  if (repo === undefined) return unknownRepository(res, name, entry)
  count(entry, sendError(res, 404, 'MANIFEST_UNKNOWN', `manifest ${quote(reference)} is not known in repository ${quote(name)}`, { name, reference }))
}

/** A reference with a ":" can only be a digest, anything else must be a tag: answers 400 when it is neither. */
function refusedInvalidReference(res: ServerResponse, reference: string, entry: LogEntry | undefined): boolean {
  if (reference.includes(':')) return refusedInvalidDigest(res, reference, entry)
  if (isValidTag(reference)) return false
  count(
    entry,
    sendError(res, 400, 'TAG_INVALID', `invalid tag ${quote(reference)}: a tag is 1 to 128 of [a-zA-Z0-9_.-], not starting with "." or "-"`, {
      tag: reference.slice(0, 300),
    }),
  )
  return true
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
    return
  }
  if (m.latin1Body !== undefined) res.end(m.latin1Body, 'latin1')
  else res.end(m.body)
  count(entry, m.body.length)
}
