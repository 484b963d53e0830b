// Redaction of URLs before they appear in an error message or a log line (registry-provided
// text is made printable by src/text/printable.ts). Blob downloads
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
