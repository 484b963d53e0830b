// The request log: one line per request once its response is closed (finished or cut off):
// method, target, status, body bytes sent, milliseconds. Routes add body bytes as they send
// them; without a log option there is no entry at all (undefined), so they pay nothing.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { printableTarget } from '../../text/printable.ts'

/** Per-request log state; only allocated when there is a log. */
export class LogEntry {
  readonly start = performance.now()
  bytes = 0

  line(req: IncomingMessage, res: ServerResponse): string {
    const ms = (performance.now() - this.start).toFixed(1)
    const aborted = res.writableFinished ? '' : ' (aborted)'
    return `${req.method} ${printableTarget(req.url ?? '')} ${res.statusCode}${aborted} ${this.bytes} ${ms}ms`
  }
}

/** Starts an entry that writes its line to `log` when the response closes. */
export function logWhenClosed(req: IncomingMessage, res: ServerResponse, log: (line: string) => void): LogEntry {
  const entry = new LogEntry()
  res.once('close', () => log(entry.line(req, res)))
  return entry
}

/** Adds body bytes to the request's entry, if it is logged. */
export function count(entry: LogEntry | undefined, bytes: number): void {
  if (entry !== undefined) entry.bytes += bytes
}
