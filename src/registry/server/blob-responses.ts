// What blobs in memory and blob files answer alike: their headers and the errors of
// conditional and range requests (a client must not be able to tell the two kinds apart).

import type { ServerResponse } from 'node:http'
import { sendError } from './responses.ts'

export const BLOB_CONTENT_TYPE = 'application/octet-stream'

interface BlobIdentity {
  readonly digest: string
  readonly size: number
}

/** 416 with `Content-Range: bytes *\/size` (RFC 9110 §15.5.17); returns the body size. */
export function sendUnsatisfiableRange(res: ServerResponse, blob: BlobIdentity): number {
  const message = `requested range not satisfiable: blob ${blob.digest} has ${blob.size} bytes`
  return sendError(res, 416, 'UNSUPPORTED', message, { digest: blob.digest, size: blob.size }, ['Content-Range', `bytes */${blob.size}`])
}

/** 412, for an If-Match that does not name our ETag; returns the body size. */
export function sendPreconditionFailed(res: ServerResponse, digest: string): number {
  return sendError(res, 412, 'UNSUPPORTED', `precondition failed for blob ${digest}`, { digest })
}
