// Image references as the pull command takes them: `host[:port]/repository[:tag][@digest]`.
// The host is always explicit (there is no default registry). The repository, tag and digest
// follow the one grammar of src/oci (names.ts, digest.ts); only the host is the client's own.

import { parseDigest, quote } from '../../oci/digest.ts'
import { isValidRepository, isValidTag, REPOSITORY_RULE, TAG_RULE } from '../../oci/names.ts'
import { DigestError, ImageReferenceError } from '../../errors.ts'

export interface ImageReference {
  /** `host` or `host:port` exactly as given (IPv6 in brackets). */
  host: string
  repository: string
  /** The tag, if the reference has one. When it has neither tag nor digest, "latest". */
  tag: string | undefined
  digest: string | undefined
  scheme: 'http' | 'https'
}

const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/
// This machine: loopback, and the wildcard addresses a server listening on every interface
// prints (connecting to them reaches this machine too).
const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '[::1]', '0.0.0.0', '[::]'])
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/**
 * Parses `host[:port]/repository[:tag][@digest]`. Plain HTTP is used for this machine
 * (localhost, 127.0.0.0/8, [::1], and the wildcards 0.0.0.0 and [::]), and for any host when
 * `plainHttp` is set; HTTPS otherwise.
 */
export function parseReference(reference: string, options: { plainHttp?: boolean } = {}): ImageReference {
  const shown = withoutUserInfo(reference)
  const fail = (why: string): never => {
    throw new ImageReferenceError(`invalid image reference ${quote(shown)}: ${why} (expected host[:port]/repository[:tag][@digest])`)
  }
  if (reference.length > 1024) fail('too long')
  if (shown !== reference) {
    fail('credentials do not belong in a reference; give them with --username and --password-stdin, or log in with docker login')
  }
  if (reference.includes('://')) fail('give no scheme; use --plain-http for a plain-HTTP registry')
  const slash = reference.indexOf('/')
  if (slash <= 0) fail('no host')
  const host = reference.slice(0, slash)
  if (!HOST.test(host) || !validPort(host)) fail(`invalid host ${quote(host)}`)
  let rest = reference.slice(slash + 1)
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    try {
      parseDigest(digest)
    } catch (error) {
      fail(error instanceof DigestError ? error.message : String(error))
    }
  }
  let tag: string | undefined
  const colon = rest.indexOf(':')
  if (colon >= 0) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!isValidTag(tag)) fail(`invalid tag ${quote(tag)}: ${TAG_RULE}`)
  }
  if (!isValidRepository(rest)) fail(`invalid repository ${quote(rest)}: ${REPOSITORY_RULE}`)
  if (tag === undefined && digest === undefined) tag = 'latest'
  return { host, repository: rest, tag, digest, scheme: options.plainHttp || isLocal(host) ? 'http' : 'https' }
}

/**
 * The reference as it may appear in a message: anything before an "@" that is not the digest's
 * (user:password@, whatever the password holds) replaced. The digest's "@" is the last one,
 * with no "/" after it.
 */
function withoutUserInfo(reference: string): string {
  const digestAt = reference.lastIndexOf('@')
  const beforeDigest = digestAt >= 0 && !reference.includes('/', digestAt) ? reference.slice(0, digestAt) : reference
  const userInfoEnd = beforeDigest.lastIndexOf('@')
  return userInfoEnd < 0 ? reference : `REDACTED@${reference.slice(userInfoEnd + 1)}`
}

/** The reference as a string, e.g. for messages: `host/repo:tag@digest`. */
export function formatReference(ref: Pick<ImageReference, 'host' | 'repository' | 'tag' | 'digest'>): string {
  return `${ref.host}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`
}

function isLocal(host: string): boolean {
  const name = hostname(host).toLowerCase()
  return LOCAL_HOSTS.has(name) || IPV4_LOOPBACK.test(name)
}

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  const colon = host.indexOf(':')
  return colon < 0 ? host : host.slice(0, colon)
}

function validPort(host: string): boolean {
  const port = host.slice(hostname(host).length)
  return port === '' || Number(port.slice(1)) <= 65535
}
