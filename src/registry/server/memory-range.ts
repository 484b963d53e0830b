// Range requests on blobs held in memory (descriptors with embedded `data`).
//
// File blobs go through `send`, which only serves files. Embedded blobs are tiny (an empty
// config, a short annotation payload) and have no file to give it, so this mirrors exactly
// what send does with its range-parser (`combine: true`), so both kinds of blob answer the
// same Range header the same way:
//   - no "=" or a range without "-" or with a non-numeric position: the header is ignored (200);
//   - each range: "a-b", "a-" (to the end), "-n" (the last n bytes); an end past the blob is
//     clamped; a range with start > end or start past the end is dropped;
//   - no range left: unsatisfiable (416); overlapping or adjacent ranges are merged, and if
//     they merge into one it is served (206), otherwise the whole blob is (200), as send does.
// One deliberate difference from range-parser, which drops a suffix range longer than the
// blob ("-n" with n > size) and so answers 416: RFC 9110 §14.1.2 says the whole
// representation is then selected. clampSuffixRanges rewrites such ranges to "-size" before
// send reads the header, and parseByteRange does the same, so both answer 206 with all bytes.

export interface ByteRange {
  start: number
  end: number
}

/** The one range to serve, -1 when unsatisfiable, undefined when the header is to be ignored. */
export function parseByteRange(size: number, header: string): ByteRange | -1 | undefined {
  const equals = header.indexOf('=')
  if (equals === -1) return undefined
  const ranges: ByteRange[] = []
  for (const part of header.slice(equals + 1).split(',')) {
    const dash = part.indexOf('-')
    if (dash === -1) return undefined
    const startText = part.slice(0, dash).trim()
    const endText = part.slice(dash + 1).trim()
    let start = position(startText)
    let end = position(endText)
    if (startText.length === 0) {
      start = Math.max(0, size - end)
      end = size - 1
    } else if (endText.length === 0) {
      end = size - 1
    }
    if (end > size - 1) end = size - 1
    if (Number.isNaN(start) || Number.isNaN(end)) return undefined
    if (start > end || start < 0) continue
    ranges.push({ start, end })
  }
  if (ranges.length === 0) return -1
  ranges.sort((a, b) => a.start - b.start)
  const first = ranges[0] as ByteRange
  const merged: ByteRange = { start: first.start, end: first.end }
  for (const range of ranges) {
    if (range.start > merged.end + 1) return undefined
    if (range.end > merged.end) merged.end = range.end
  }
  return merged
}

function position(text: string): number {
  if (text.length === 0) return Number.NaN
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return Number.NaN
  }
  return Number(text)
}

/** send's If-Range rule: an entity-tag form must contain our ETag; a date form never matches (blobs have no Last-Modified). */
export function ifRangeHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return true
  return header.includes('"') && header.includes(etag)
}

/** Rewrites suffix ranges longer than the blob ("-n", n > size) to "-size" (see above); other text is kept as is. */
export function clampSuffixRanges(header: string, size: number): string {
  const equals = header.indexOf('=')
  if (equals === -1 || !header.includes('-')) return header
  let changed = false
  const parts = header
    .slice(equals + 1)
    .split(',')
    .map((part) => {
      const text = part.trim()
      if (text.charCodeAt(0) !== 0x2d) return part
      const n = position(text.slice(1).trim())
      if (Number.isNaN(n) || n <= size || size === 0) return part
      changed = true
      return `-${size}`
    })
  return changed ? `${header.slice(0, equals + 1)}${parts.join(',')}` : header
}
