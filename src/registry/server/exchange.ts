// One request and its response, as every route is handed them: the request, the response,
// whether it is a HEAD, and the body bytes sent (for the request log). Everything a route
// writes goes out through here or through the headers built here.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { printableTarget } from '../../text/printable.ts'

/** The header every response carries, so clients know they speak to a distribution registry. */
const API_VERSION_HEADER = 'Docker-Distribution-API-Version'
const API_VERSION = 'registry/2.0'

/** The headers every response carries (the API version; no content sniffing), then `extra`, flat [name, value, ...]. */
export function responseHeaders(...extra: string[]): string[] {
  return [API_VERSION_HEADER, API_VERSION, 'X-Content-Type-Options', 'nosniff', ...extra]
}

export class Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** A HEAD request: answered with the headers a GET would get, and no body. */
  readonly head: boolean
  /** Body bytes handed to the response so far. */
  bytes = 0

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.req = req
    this.res = res
    this.head = req.method === 'HEAD'
  }

  /** Answers `status` with `headers` and `body` (for HEAD, the headers only). */
  send(status: number, headers: string[], body: Buffer | undefined): void {
    this.res.writeHead(status, headers)
    if (this.head || body === undefined) {
      this.res.end()
      return
    }
    this.res.end(body)
    this.bytes += body.length
  }

  /** Answers 200 with a JSON body of `contentType`, and `extra` headers. */
  sendJson(value: unknown, contentType = 'application/json', extra: string[] = []): void {
    const body = Buffer.from(JSON.stringify(value))
    this.send(200, responseHeaders('Content-Type', contentType, 'Content-Length', String(body.length), ...extra), body)
  }

  /** Writes one line to `log` once the response closes (finished or cut off): method, target, status, body bytes, milliseconds. */
  logWhenClosed(log: (line: string) => void): void {
    const start = performance.now()
    this.res.once('close', () => {
      const { req, res } = this
      const ms = (performance.now() - start).toFixed(1)
      const aborted = res.writableFinished ? '' : ' (aborted)'
      log(`${req.method} ${printableTarget(req.url ?? '')} ${res.statusCode}${aborted} ${this.bytes} ${ms}ms`)
    })
  }
}
