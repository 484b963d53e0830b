// Error answers shared by several routes. Each route looks its content up first and only
// checks the grammar of what it was asked for on a miss, so a hit costs no parsing; these
// then tell a client why it missed. The pull endpoints (manifests, blobs, tags) answer only 404
// for what is not here (the distribution-spec's endpoint table lists no other failure for
// them), and a name, tag or digest that cannot exist is not here either: its message says why.
// Only the referrers API answers 400 for an invalid request, as the spec asks there.

import { parseDigest, quote } from '../../oci/digest.ts'
import { DigestError } from '../../errors.ts'
import { isValidRepository, isValidTag, REPOSITORY_RULE, TAG_RULE } from '../../oci/names.ts'
import { HttpError } from './responses.ts'

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
  if (!isValidRepository(name)) {
    throw new HttpError(400, 'NAME_INVALID', `invalid repository name ${quote(name)}: a repository name is ${REPOSITORY_RULE}`, {
      name: name.slice(0, MAX_DETAIL),
    })
  }
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
