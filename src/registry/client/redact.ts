// Redaction of URLs, and of registry-provided text, before they appear in an error message or
// a log line. Blob downloads
// are often redirected to storage URLs that carry credentials in their query (signed URLs),
// and a reference may carry user info: neither may leak. Only `scope` and `service` (the
// token request's parameters, which help debugging and are not secret) are kept.

const KEPT_PARAMS: ReadonlySet<string> = new Set(['scope', 'service'])

export const REDACTED = 'REDACTED'

/** The URL with user info removed and every query value except scope and service replaced. */
export function redactUrl(url: string | URL): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return '(unparsable URL)'
  }
  parsed.username = ''
  parsed.password = ''
  if (parsed.search !== '') {
    const redacted = new URLSearchParams()
    for (const [name, value] of parsed.searchParams) redacted.append(name, KEPT_PARAMS.has(name) ? value : REDACTED)
    parsed.search = redacted.toString()
  }
  // A fragment never reaches the server, but it is not ours to print either.
  if (parsed.hash !== '') parsed.hash = ''
  return parsed.toString()
}

// C0 controls, DEL, C1 controls (U+009B is a one-character CSI), and the bidirectional
// formatting characters that reorder what a terminal shows.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** Text from a registry (error messages, header values) without the characters that could move, recolour or reorder a terminal's output. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, '')
}
