// Conditional and Range requests (RFC 9110 §13 and §14), the one implementation for every blob
// and manifest: what to answer is decided here from the request headers, the entity tag
// `"<digest>"` and the size, before any byte is read.
//
// Preconditions, in the RFC's order (§13.2.2): If-Match (strong comparison, or "*") that fails
// is 412; If-None-Match (weak comparison, or "*") that matches is 304. There are no dates
// (content-addressed blobs have no Last-Modified), so If-Modified-Since and If-Unmodified-Since
// are ignored and an If-Range date never matches.
//
// Range (§14.1.2, §14.2): only the "bytes" unit; "a-b", "a-" and "-n". An end past the blob is
// clamped, a suffix longer than the blob selects all of it. Overlapping or adjacent ranges are
// merged; if several disjoint ranges remain the header is ignored (200 with everything: we do
// not send multipart/byteranges, which the RFC allows). A header that does not parse is
// ignored (200). A ranges-specifier none of whose ranges can be satisfied, or one with an
// invalid range ("9-3"), is rejected with 416, as §15.5.17 allows. An If-Range that is not our
// strong entity tag turns the request into a plain 200.

/** Bytes start to end, both included. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

export type Selection =
  | { readonly kind: 'not-modified' }
  | { readonly kind: 'precondition-failed' }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'whole' }
  | { readonly kind: 'range'; readonly start: number; readonly end: number }

export interface ConditionalHeaders {
  readonly 'if-match'?: string | undefined
  readonly 'if-none-match'?: string | undefined
  readonly 'if-range'?: string | undefined
  readonly range?: string | undefined
}

const NOT_MODIFIED: Selection = { kind: 'not-modified' }
const PRECONDITION_FAILED: Selection = { kind: 'precondition-failed' }
const UNSATISFIABLE: Selection = { kind: 'unsatisfiable' }
const WHOLE: Selection = { kind: 'whole' }

/** What a GET or HEAD of a representation with strong entity tag `etag` and `size` bytes answers. */
export function select(headers: ConditionalHeaders, etag: string, size: number): Selection {
  const ifMatch = headers['if-match']
  if (ifMatch !== undefined && !entityTagListMatches(ifMatch, etag, true)) return PRECONDITION_FAILED
  const ifNoneMatch = headers['if-none-match']
  if (ifNoneMatch !== undefined && entityTagListMatches(ifNoneMatch, etag, false)) return NOT_MODIFIED
  const range = headers.range
  if (range === undefined) return WHOLE
  const ifRange = headers['if-range']
  if (ifRange !== undefined && ifRange.trim() !== etag) return WHOLE
  return parseRange(range, size)
}

/**
 * Whether an If-Match or If-None-Match value ("*" or a list of entity tags) matches `etag`
 * (a strong tag). Strong comparison never matches a weak tag (W/"..."). A malformed list
 * matches nothing.
 */
export function entityTagListMatches(header: string, etag: string, strong: boolean): boolean {
  const value = header.trim()
  if (value === '*') return true
  let i = 0
  while (i < value.length) {
    const c = value.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x2c) {
      i++
      continue
    }
    const weak = value.startsWith('W/', i)
    const open = weak ? i + 2 : i
    if (value.charCodeAt(open) !== 0x22) return false
    const close = value.indexOf('"', open + 1)
    if (close === -1) return false
    if ((!weak || !strong) && value.slice(open, close + 1) === etag) return true
    i = close + 1
  }
  return false
}

/** The Range header's selection on `size` bytes (see the rules at the top). */
export function parseRange(header: string, size: number): Selection {
  const equals = header.indexOf('=')
  if (equals === -1 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return WHOLE
  const ranges: Array<{ start: number; end: number }> = []
  let invalid = false
  let specs = 0
  // A zero-length blob has no range to send, but "-n" (n > 0) is satisfiable on it (§14.1.3): all of it, 0 bytes.
  let wholeEmpty = false
  for (const part of header.slice(equals + 1).split(',')) {
    const spec = part.trim()
    if (spec === '') continue
    specs++
    const dash = spec.indexOf('-')
    if (dash === -1) return WHOLE
    const first = position(spec.slice(0, dash).trim())
    const last = position(spec.slice(dash + 1).trim())
    if (first === undefined && last === undefined) return WHOLE
    if (first === -1 || last === -1) return WHOLE
    if (first === undefined) {
      // "-n": the last n bytes; unsatisfiable when n is 0.
      if ((last as number) > 0 && size > 0) ranges.push({ start: Math.max(0, size - (last as number)), end: size - 1 })
      else if ((last as number) > 0) wholeEmpty = true
      continue
    }
    if (last !== undefined && last < first) invalid = true
    else if (first < size) ranges.push({ start: first, end: last === undefined ? size - 1 : Math.min(last, size - 1) })
  }
  if (specs === 0 || (wholeEmpty && !invalid)) return WHOLE
  if (invalid || ranges.length === 0) return UNSATISFIABLE
  ranges.sort((a, b) => a.start - b.start)
  const merged = ranges[0] as { start: number; end: number }
  for (const range of ranges) {
    if (range.start > merged.end + 1) return WHOLE
    merged.end = Math.max(merged.end, range.end)
  }
  return { kind: 'range', start: merged.start, end: merged.end }
}

/** A byte position: undefined when empty, -1 when not decimal digits (a huge one may be inexact: it is past any blob). */
function position(text: string): number | undefined {
  if (text.length === 0) return undefined
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return -1
  }
  return Number(text)
}
