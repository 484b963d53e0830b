// Image references as the pull command takes them: `host[:port]/repository[:tag][@digest]`.
// The host is always explicit (there is no default registry). The repository, tag and digest
// follow the one grammar of src/oci (names.ts, digest.ts); only the host is the client's own.

import { parseDigest } from '../../oci/digest.ts'
import { repositoryProblem, tagProblem } from '../../oci/names.ts'
import { DigestError, ImageReferenceError, UsageError, quote } from '../../errors.ts'
import { REDACTED } from './redact.ts'
import { isLoopback, isWildcard, parseHostPort } from '../../net/host.ts'

export interface ImageReference {
  /** `host` or `host:port` exactly as given (IPv6 in brackets). */
  host: string
  repository: string
  /** The tag, if the reference has one. When it has neither tag nor digest, "latest". */
  tag: string | undefined
  digest: string | undefined
  scheme: 'http' | 'https'
}

export interface SchemeChoice {
  /** Plain HTTP for any host. */
  plainHttp?: boolean | undefined
  /** HTTPS for any host, this machine included. */
  tls?: boolean | undefined
}

/**
 * Parses `host[:port]/repository[:tag][@digest]`. Plain HTTP is used for this machine
 * (localhost, 127.0.0.0/8, [::1], and the wildcards 0.0.0.0 and [::]) unless `tls` is set,
 * and for any host when `plainHttp` is set; HTTPS otherwise.
 */
export function parseReference(reference: string, options: SchemeChoice = {}): ImageReference {
  if (options.plainHttp && options.tls) throw new UsageError('--plain-http and --tls contradict each other: choose one')
  const shown = withoutUserInfo(reference)
  const fail = (why: string): never => {
    throw new ImageReferenceError(`invalid image reference ${quote(shown)}: ${why} (expected host[:port]/repository[:tag][@digest])`)
  }
  if (reference.length > 1024) fail('too long')
  if (shown !== reference) {
    fail('credentials do not belong in a reference; give them with --username and --password-stdin, or log in with docker login')
  }
  if (reference.includes('://')) fail('give no scheme; use --tls or --plain-http to choose one')
  const slash = reference.indexOf('/')
  if (slash <= 0) fail('no host')
  const host = reference.slice(0, slash)
  const parsedHost = parseHostPort(host) ?? fail(`invalid host ${quote(host)}`)
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
    const problem = tagProblem(tag)
    if (problem !== undefined) fail(problem)
  }
  const problem = repositoryProblem(rest)
  if (problem !== undefined) fail(problem)
  if (tag === undefined && digest === undefined) tag = 'latest'
  return { host, repository: rest, tag, digest, scheme: options.plainHttp || (!options.tls && isLocal(parsedHost.host)) ? 'http' : 'https' }
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
  return userInfoEnd < 0 ? reference : `${REDACTED}@${reference.slice(userInfoEnd + 1)}`
}

/** The reference as a string, e.g. for messages: `host/repo:tag@digest`. */
export function formatReference(ref: Pick<ImageReference, 'host' | 'repository' | 'tag' | 'digest'>): string {
  return `${ref.host}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`
}

/** This machine: loopback, and the wildcard addresses a server listening on every interface prints (connecting to them reaches this machine too). */
function isLocal(host: string): boolean {
  return isLoopback(host) || isWildcard(host)
}
