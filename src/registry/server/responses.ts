// Small response helpers shared by the handler: distribution-spec error bodies, JSON bodies,
// entity-tag matching, pagination of tag and repository lists.

import type { ServerResponse } from 'node:http'

/** The header every response carries, so clients know they speak to a distribution registry. */
const API_VERSION_HEADER = 'Docker-Distribution-API-Version'
const API_VERSION = 'registry/2.0'

/** The headers every response carries (the API version; no content sniffing), then `extra`, flat [name, value, ...]. */
export function responseHeaders(...extra: string[]): string[] {
  return [API_VERSION_HEADER, API_VERSION, 'X-Content-Type-Options', 'nosniff', ...extra]
}

/**
 * The distribution-spec error codes this server answers 4xx with (the spec's list is all a 4xx
 * body may use), plus UNKNOWN for its own 5xx failures, as distribution does.
 */
export type RegistryErrorCode = 'NAME_UNKNOWN' | 'NAME_INVALID' | 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN' | 'DIGEST_INVALID' | 'UNSUPPORTED' | 'UNKNOWN'

/**
 * An answer other than success: a distribution-spec error body with this status. Routes throw
 * (or reject with) these; writeError, called only by respond() in handler.ts, writes them.
 */
export class HttpError extends Error {
  readonly status: number
  readonly code: RegistryErrorCode
  readonly detail: Record<string, unknown>
  /** Extra headers, flat [name, value, ...]. */
  readonly headers: readonly string[]

  constructor(status: number, code: RegistryErrorCode, message: string, detail: Record<string, unknown> = {}, headers: readonly string[] = []) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.detail = detail
    this.headers = headers
  }
}

/** Writes `{"errors":[{code, message, detail}]}`, dropping any header set for a success response; returns the body size. */
export function writeError(res: ServerResponse, error: HttpError): number {
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  const body = Buffer.from(JSON.stringify({ errors: [{ code: error.code, message: error.message, detail: error.detail }] }))
  res.writeHead(error.status, responseHeaders('Content-Type', 'application/json', 'Content-Length', String(body.length), ...error.headers))
  res.end(body)
  return body.length
}

/** Writes a JSON body (or, for HEAD, only its headers); returns the body size. */
export function sendJson(res: ServerResponse, head: boolean, value: unknown, contentType = 'application/json', extra: string[] = []): number {
  const body = Buffer.from(JSON.stringify(value))
  res.writeHead(200, responseHeaders('Content-Type', contentType, 'Content-Length', String(body.length), ...extra))
  res.end(head ? undefined : body)
  return head ? 0 : body.length
}

export interface Page {
  items: readonly string[]
  /** The last item, when there are more after it (for the Link header). */
  next: string | undefined
}

/** The items after `last` (ASCII order), at most `n` of them. */
export function paginate(sorted: readonly string[], n: number | undefined, last: string | undefined): Page {
  let start = 0
  if (last !== undefined) {
    let high = sorted.length
    while (start < high) {
      const mid = (start + high) >>> 1
      if ((sorted[mid] as string) <= last) start = mid + 1
      else high = mid
    }
  }
  if (n === undefined || start + n >= sorted.length) return { items: sorted.slice(start), next: undefined }
  const items = sorted.slice(start, start + n)
  return { items, next: items[items.length - 1] }
}

/** `n` of a list request: a non-negative integer in decimal digits, or absent; anything else is invalid. */
export function parsePageSize(value: string | null): number | undefined | 'invalid' {
  if (value === null) return undefined
  if (value.length === 0 || value.length > 15) return 'invalid'
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return 'invalid'
  }
  return Number(value)
}
