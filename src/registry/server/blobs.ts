// GET and HEAD /v2/<name>/blobs/<digest>: finds the blob registered under that digest in that
// repository (the only way a request reaches a file) and serves it from memory when it can
// (embedded in its descriptor, or a small file verified before), else from its file.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { quote } from '../../oci/digest.ts'
import type { Context } from './context.ts'
import { serveFileBlob } from './file-blobs.ts'
import { serveMemoryBlob } from './memory-blobs.ts'
import { isValidRepository } from '../../oci/names.ts'
import { refusedInvalidDigest, unknownRepository } from './rejections.ts'
import { count, type LogEntry } from './request-log.ts'
import { sendError } from './responses.ts'

export function blob(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  head: boolean,
  name: string,
  digest: string,
  entry: LogEntry | undefined,
): void {
  const repo = context.registry.repository(name)
  const found = repo?.blobs.get(digest)
  if (found !== undefined) {
    if (found.kind === 'memory') return serveMemoryBlob(req, res, head, found.digest, found.data, entry)
    const small = context.smallBlobs.get(found)
    if (small !== undefined) return serveMemoryBlob(req, res, head, found.digest, small, entry)
    return serveFileBlob(context, req, res, found, entry)
  }
  if (repo === undefined && !isValidRepository(name)) return unknownRepository(res, name, entry)
  if (refusedInvalidDigest(res, digest, entry)) return
  if (repo === undefined) return unknownRepository(res, name, entry)
  count(entry, sendError(res, 404, 'BLOB_UNKNOWN', `blob ${digest} is not known in repository ${quote(name)}`, { name, digest }))
}
