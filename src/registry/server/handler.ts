// The HTTP side of the read-only registry: GET and HEAD requests of the OCI Distribution spec
// (pull and content discovery), answered from a Registry's content. route.ts parses the
// request and dispatches to manifests.ts, blobs.ts and discovery.ts, which answer or throw;
// answerFailure() is the one place that answers what they throw.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { ContentMismatchError } from '../../errors.ts'
import { BLOB_READ_CHUNK } from '../../oci/layout-store.ts'
import type { Registry } from '../../content/registry.ts'
import { printableTarget } from '../../text/printable.ts'
import { BlobFiles } from './blob-files.ts'
import { BufferPool } from './buffer-pool.ts'
import { type Connections, NO_CONNECTIONS } from './connections.ts'
import type { Context } from './context.ts'
import { Exchange } from './exchange.ts'
import { Manifests } from './manifests.ts'
import { failureAnswer, writeError } from './rejections.ts'
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

/** Server-side problems go to the log option, or to stderr without one. */
export function errorLog(log: ((line: string) => void) | undefined): (line: string) => void {
  return log ?? ((line: string) => void process.stderr.write(`${line}\n`))
}

/** The handler; `connections` (listen's) learn when a request waits on the server rather than on its client. */
export function createHandler(registry: Registry, options: HandlerOptions = {}, connections: Connections = NO_CONNECTIONS): Handler {
  const log = options.log
  const context: Context = {
    registry,
    files: new BlobFiles(errorLog(log)),
    manifests: new Manifests(registry),
    pool: new BufferPool(options.blobMemory ?? DEFAULT_BLOB_MEMORY, BLOB_READ_CHUNK),
    connections,
    logError: errorLog(log),
  }
  return (req, res) => {
    const exchange = new Exchange(req, res)
    if (log !== undefined) exchange.logWhenClosed(log)
    try {
      const pending = route(context, exchange)
      if (pending !== undefined) pending.catch((error: unknown) => answerFailure(context, exchange, error))
    } catch (error) {
      answerFailure(context, exchange, error)
    }
  }
}

/**
 * Answers a request whose route threw: with the answer rejections.ts maps the error to, server-side
 * problems logged (a bug with its stack). Once headers went out nothing can be answered any more:
 * the response is destroyed, so the client sees a broken transfer. A client that went away is no
 * error of ours and is not logged.
 */
function answerFailure(context: Context, exchange: Exchange, error: unknown): void {
  const { req, res } = exchange
  const { answer, unlogged } = failureAnswer(error)
  if (unlogged) {
    if (res.destroyed) return
    if (error instanceof ContentMismatchError) {
      context.logError(`${error.message}: ${res.headersSent ? 'response cut off so the client cannot take it for the blob' : 'answered 500'}`)
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
      context.logError(`internal error serving ${req.method} ${printableTarget(req.url ?? '')}: ${detail}`)
    }
  }
  if (res.headersSent) res.destroy()
  else writeError(exchange, answer)
}
