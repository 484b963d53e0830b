// What every route is given, built once per handler: the content, the caches of blob files
// that were checked, and where server-side problems are reported.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from './registry.ts'
import { printable, sendError } from './responses.ts'
import type { SmallBlobs } from './small-blobs.ts'
import type { VerifiedFiles } from './verified.ts'

export interface Context {
  readonly registry: Registry
  readonly verified: VerifiedFiles
  readonly smallBlobs: SmallBlobs
  /** Where server-side problems go: the log option, or stderr without one. */
  readonly logError: (line: string) => void
}

/** A bug or an unexpected failure: logged with its stack, answered 500 (or cut off once headers went out). */
export function internalError(context: Context, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
  context.logError(`internal error serving ${req.method} ${printable(req.url ?? '')}: ${detail}`)
  if (res.headersSent) res.destroy()
  else sendError(res, 500, 'UNKNOWN', 'internal server error')
}

/** Runs a callback that a library (send) calls later, outside the handler's own try/catch. */
export function guarded(context: Context, req: IncomingMessage, res: ServerResponse, work: () => void): void {
  try {
    work()
  } catch (error) {
    internalError(context, req, res, error)
  }
}

/** The message of anything thrown, for a log line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
