// Hosts and ports as users write them (`HOST[:PORT]`, IPv6 in brackets), and the addresses that
// stand for this machine: the one grammar for --listen, --advertise, --mirror-for, registry URLs,
// image references and Docker config keys.

import { isIP } from 'node:net'

export interface HostPort {
  /** A DNS name or IPv4 address as written, or an IPv6 address without its brackets. */
  host: string
  port: number | undefined
  /** `host[:port]` lowercased, IPv6 in brackets: as image references, URLs and certs.d directories spell it. */
  address: string
}

/**
 * Parses `HOST[:PORT]`: a DNS name, an IPv4 address or a bracketed IPv6 address, then a port
 * from 1 to 65535, or from 0 with `listening` (port 0 asks for a free port; a reference or URL
 * cannot name it). Undefined if it is none of these; callers say what they expected.
 */
export function parseHostPort(value: string, options: { listening?: boolean } = {}): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value)
  if (match === null) return undefined
  const [, ipv6, other, digits] = match
  const host = ipv6 ?? other ?? ''
  const validHost = ipv6 !== undefined ? isIP(ipv6) === 6 : isIP(host) === 4 || isDnsName(host)
  const port = digits === undefined ? undefined : Number(digits)
  const lowest = options.listening ? 0 : 1
  if (!validHost || (port !== undefined && (port < lowest || port > 65535))) return undefined
  return { host, port, address: `${formatHost(host)}${port === undefined ? '' : `:${port}`}`.toLowerCase() }
}

/** The host as a URL or reference writes it: an IPv6 address in brackets. */
export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/** RFC 1123 host names: dot-separated labels of 1 to 63 letters, digits and inner hyphens, 253 characters at most. */
export function isDnsName(name: string): boolean {
  return name.length <= 253 && /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(name)
}

/** The address a client on this machine connects to for each wildcard (every-interface) listen address. */
const WILDCARD_LOOPBACK: ReadonlyMap<string, string> = new Map([
  ['0.0.0.0', '127.0.0.1'],
  ['::', '::1'],
])

/** Whether a listen address is every interface of its family: 0.0.0.0 or :: (brackets allowed). */
export function isWildcard(host: string): boolean {
  return WILDCARD_LOOPBACK.has(unbracketed(host))
}

/** The loopback address of a wildcard's family (0.0.0.0: 127.0.0.1, ::: ::1); undefined for any other host. */
export function loopbackFor(host: string): string | undefined {
  return WILDCARD_LOOPBACK.get(unbracketed(host))
}

/** Whether a host names this machine's loopback: localhost, 127.0.0.0/8 or ::1 (brackets allowed). */
export function isLoopback(host: string): boolean {
  const name = unbracketed(host).toLowerCase()
  return name === 'localhost' || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'))
}

function unbracketed(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}
