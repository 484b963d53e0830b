// Every answer other than success, and the one place that builds them: the distribution-spec
// error body with its status and code (as go-containerregistry's pkg/registry/error.go). Routes
// throw these; domain code throws domain errors, which failureAnswer maps.
//
// Each route looks its content up first and only checks the grammar of what it was asked for
// on a miss, so a hit costs no parsing; these then tell a client why it missed. The pull
// endpoints (manifests, blobs, tags) answer only 404 for what is not here (the
// distribution-spec's endpoint table lists no other failure for them), and a name, tag or digest
// that cannot exist is not here either: its message says why. Only the referrers API answers 400
// for an invalid request, as the spec asks there.

import { BlobFileError, ContentMismatchError, DigestError, quote } from '../../errors.ts'
import { parseDigest } from '../../oci/digest.ts'
import { isValidRepository, isValidTag, REPOSITORY_RULE, repositoryProblem, TAG_RULE } from '../../oci/names.ts'
import { type Exchange, responseHeaders } from './exchange.ts'

/**
 * The distribution-spec error codes this server answers 4xx with (the spec's list is all a 4xx
 * body may use), plus UNKNOWN for its own 5xx failures, as distribution does.
 */
export type RegistryErrorCode = 'NAME_UNKNOWN' | 'NAME_INVALID' | 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN' | 'DIGEST_INVALID' | 'UNSUPPORTED' | 'UNKNOWN'

/** An answer other than success: a distribution-spec error body with this status. */
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

/** Writes `{"errors":[{code, message, detail}]}`, dropping any header set for a success response. */
export function writeError(exchange: Exchange, error: HttpError): void {
  const { res } = exchange
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  const body = Buffer.from(JSON.stringify({ errors: [{ code: error.code, message: error.message, detail: error.detail }] }))
  res.writeHead(error.status, responseHeaders('Content-Type', 'application/json', 'Content-Length', String(body.length), ...error.headers))
  res.end(body)
  exchange.bytes += body.length
}

/**
 * The answer to a request that failed with `error`, and whether the failure is a server-side
 * problem nobody logged yet: an HttpError is its own answer; a blob file that cannot be served
 * (logged where it was found) and content found wrong while it was sent are 500; anything else
 * is a bug, 500 too.
 */
export function failureAnswer(error: unknown): { answer: HttpError; unlogged: boolean } {
  if (error instanceof HttpError) return { answer: error, unlogged: false }
  if (error instanceof BlobFileError) {
    const message = `blob ${error.digest} ${error.corrupt ? 'is corrupt' : 'cannot be read'} on the server`
    return { answer: new HttpError(500, 'UNKNOWN', message, { digest: error.digest }), unlogged: false }
  }
  const message = error instanceof ContentMismatchError ? 'blob is corrupt on the server' : 'internal server error'
  return { answer: new HttpError(500, 'UNKNOWN', message), unlogged: true }
}

/** 405, for any method but GET and HEAD. */
export function methodNotAllowed(method: string | undefined): HttpError {
  const message = `this registry is read-only: ${quote(method ?? '')} is not supported, only GET and HEAD`
  return new HttpError(405, 'UNSUPPORTED', message, { method }, ['Allow', 'GET, HEAD'])
}

/** 404, for a path that is no endpoint of this registry. */
export function noSuchEndpoint(path: string): HttpError {
  const message = `no such endpoint ${quote(path)}: this registry serves /v2/, /v2/_catalog and /v2/<name>/{manifests,blobs,referrers}/<reference>, /v2/<name>/tags/list`
  return new HttpError(404, 'UNSUPPORTED', message)
}

/**
 * 400, for a list request's n that is not a number at all: a malformed request (RFC 9110: the
 * spec defines no answer for it), with UNSUPPORTED, the one code of the spec's list that fits it.
 */
export function invalidPageSize(raw: string): HttpError {
  return new HttpError(400, 'UNSUPPORTED', `page size n=${quote(raw)} is not supported: n must be a non-negative integer in decimal digits`, {
    n: raw.slice(0, 100),
  })
}

/** Longest name, tag or digest an error detail repeats; messages cut theirs shorter (quote()). */
const MAX_DETAIL = 300

/** 404 NAME_UNKNOWN, for a repository this registry does not serve (or a name that cannot be one). */
export function unknownRepository(name: string): HttpError {
  const why = isValidRepository(name) ? '' : `: a repository name is ${REPOSITORY_RULE}`
  return new HttpError(404, 'NAME_UNKNOWN', `repository ${quote(name)} is not known to this registry${why}`, { name: name.slice(0, MAX_DETAIL) })
}

/** 404 MANIFEST_UNKNOWN, for a reference the repository does not have (or one that is neither a tag nor a digest). */
export function unknownManifest(name: string, reference: string): HttpError {
  const message = `manifest ${quote(reference)} is not known in repository ${quote(name)}${referenceProblem(reference)}`
  return new HttpError(404, 'MANIFEST_UNKNOWN', message, { name, reference: reference.slice(0, MAX_DETAIL) })
}

/** 404 BLOB_UNKNOWN, for a digest the repository has no blob of (or a string that is not a digest). */
export function unknownBlob(name: string, digest: string): HttpError {
  const problem = digestProblem(digest)
  const message = `blob ${quote(digest)} is not known in repository ${quote(name)}${problem === undefined ? '' : `: ${problem}`}`
  return new HttpError(404, 'BLOB_UNKNOWN', message, { name, digest: digest.slice(0, MAX_DETAIL) })
}

/** Why a reference cannot name a manifest (with a leading ": "), or '' when it can: one with a ":" can only be a digest, any other a tag. */
function referenceProblem(reference: string): string {
  if (reference.includes(':')) {
    const problem = digestProblem(reference)
    return problem === undefined ? '' : `: it is not a tag, and ${problem}`
  }
  return isValidTag(reference) ? '' : `: it is not a digest, and not a tag either (a tag is ${TAG_RULE})`
}

/** The parser's reason when `digest` is not a valid digest. */
function digestProblem(digest: string): string | undefined {
  try {
    parseDigest(digest)
    return undefined
  } catch (error) {
    if (error instanceof DigestError) return error.message
    throw error
  }
}

/** Referrers only: throws 400 NAME_INVALID for a name that cannot be a repository. */
export function checkRepositoryName(name: string): void {
  const problem = repositoryProblem(name)
  if (problem !== undefined) throw new HttpError(400, 'NAME_INVALID', problem, { name: name.slice(0, MAX_DETAIL) })
}

/** Referrers only: throws 400 DIGEST_INVALID (with the parser's reason) when `digest` is not a valid digest. */
export function checkDigest(digest: string): void {
  const problem = digestProblem(digest)
  if (problem !== undefined) throw new HttpError(400, 'DIGEST_INVALID', problem, { digest: digest.slice(0, MAX_DETAIL) })
}

/** 412, for an If-Match that does not name the ETag `"<digest>"`. */
export function preconditionFailed(digest: string): HttpError {
  return new HttpError(412, 'UNSUPPORTED', `precondition failed: the If-Match header does not name ${digest}`, { digest })
}

/** 416 with `Content-Range: bytes *\/size` (RFC 9110 §15.5.17). */
export function rangeNotSatisfiable(digest: string, size: number): HttpError {
  const message = `requested range not satisfiable: blob ${digest} has ${size} bytes`
  return new HttpError(416, 'UNSUPPORTED', message, { digest, size }, ['Content-Range', `bytes */${size}`])
}
