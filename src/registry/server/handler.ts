// The HTTP side of the read-only registry: GET and HEAD requests of the OCI Distribution spec
// (pull and content discovery), answered from a Registry's content. route.ts parses the
// request and dispatches to manifests.ts, blobs.ts and discovery.ts, which answer or throw;
// respond() is the one place that turns what they throw into a response.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { ContentMismatchError } from '../../errors.ts'
import { BLOB_READ_CHUNK } from '../../oci/layout-store.ts'
import { BlobFiles } from './blob-files.ts'
import { BufferPool } from './buffer-pool.ts'
import type { Context } from './context.ts'
import type { Registry } from '../../content/registry.ts'
import { PreparedManifests } from './manifests.ts'
import { type LogEntry, count, logWhenClosed } from './request-log.ts'
import { printableTarget } from '../../text/printable.ts'
import { HttpError, writeError } from './responses.ts'
import { route } from './route.ts'

/** Default budget of blob transfer buffers, shared by all transfers (32 at full speed, more wait). */
export const DEFAULT_BLOB_MEMORY = 64 * 1024 * 1024

export interface HandlerOptions {
  /** Gets one line per request (method, target, status, body bytes, milliseconds) and one per server-side error. */
  log?: (line: string) => void
  /** Bytes of buffers all blob transfers share (default DEFAULT_BLOB_MEMORY; each transfer takes 2 MiB while it runs). */
  blobMemory?: number
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

export function createHandler(registry: Registry, options: HandlerOptions = {}): Handler {
  const log = options.log
  const logError = log ?? ((line: string) => void process.stderr.write(`${line}\n`))
  const pool = new BufferPool(options.blobMemory ?? DEFAULT_BLOB_MEMORY, BLOB_READ_CHUNK)
  const context: Context = { registry, files: new BlobFiles(logError), manifests: new PreparedManifests(), pool, logError }
  return (req, res) => {
    const entry: LogEntry | undefined = log === undefined ? undefined : logWhenClosed(req, res, log)
    try {
      const pending = route(context, req, res, entry)
      if (pending !== undefined) pending.catch((error: unknown) => respond(context, req, res, error, entry))
    } catch (error) {
      respond(context, req, res, error, entry)
    }
  }
}

/**
 * Answers a request whose route threw: the HttpError it threw; 500 for content that is not what
 * its digest says (logged) or for a bug (logged with its stack). Once headers went out nothing
 * can be answered any more: the response is destroyed, so the client sees a broken transfer.
 * A client that went away is no error of ours and is not logged.
 */
function respond(context: Context, req: IncomingMessage, res: ServerResponse, error: unknown, entry: LogEntry | undefined): void {
  if (error instanceof HttpError) {
    if (res.headersSent) res.destroy()
    else count(entry, writeError(res, error))
    return
  }
  if (res.destroyed) return
  if (error instanceof ContentMismatchError) {
    context.logError(`${error.message}: ${res.headersSent ? 'response cut off so the client cannot take it for the blob' : 'answered 500'}`)
  } else {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
    context.logError(`internal error serving ${req.method} ${printableTarget(req.url ?? '')}: ${detail}`)
  }
  if (res.headersSent) res.destroy()
  else
    count(
      entry,
      writeError(res, new HttpError(500, 'UNKNOWN', error instanceof ContentMismatchError ? 'blob is corrupt on the server' : 'internal server error')),
    )
}
