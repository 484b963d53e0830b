// The HTTP side of the read-only registry: GET and HEAD requests of the OCI Distribution spec
// (pull and content discovery), answered from a Registry's content. route.ts parses the
// request and dispatches to manifests.ts, blobs.ts and discovery.ts; this module builds what
// they share and turns any exception into a 500.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Context, internalError } from './context.ts'
import type { Registry } from './registry.ts'
import { type LogEntry, logWhenClosed } from './request-log.ts'
import { route } from './route.ts'
import { SmallBlobs } from './small-blobs.ts'
import { VerifiedFiles } from './verified.ts'

export interface HandlerOptions {
  /** Gets one line per request (method, target, status, body bytes, milliseconds) and one per server-side error. */
  log?: (line: string) => void
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

export function createHandler(registry: Registry, options: HandlerOptions = {}): Handler {
  const log = options.log
  const logError = log ?? ((line: string) => void process.stderr.write(`${line}\n`))
  const context: Context = { registry, verified: new VerifiedFiles(), smallBlobs: new SmallBlobs(), logError }
  return (req, res) => {
    const entry: LogEntry | undefined = log === undefined ? undefined : logWhenClosed(req, res, log)
    try {
      route(context, req, res, entry)
    } catch (error) {
      internalError(context, req, res, error)
    }
  }
}
