// Error answers shared by several routes. Each route looks its content up first and only
// checks the grammar of what it was asked for on a miss, so a hit costs no parsing; these
// then tell a client why it missed: a name or digest that cannot exist (400) or one that
// merely is not here (404).

import { parseDigest, quote } from '../../oci/digest.ts'
import { DigestError } from '../../errors.ts'
import { isValidRepository } from '../../oci/names.ts'
import { HttpError } from './responses.ts'

/** The answer to a request for an unknown repository: 400 when the name cannot be one, 404 otherwise. */
export function unknownRepository(name: string): HttpError {
  if (!isValidRepository(name)) return new HttpError(400, 'NAME_INVALID', `invalid repository name ${quote(name)}`, { name: name.slice(0, 300) })
  return new HttpError(404, 'NAME_UNKNOWN', `repository ${quote(name)} is not known to this registry`, { name })
}

/** Throws 400 DIGEST_INVALID (with the parser's reason) when `digest` is not a valid digest. */
export function checkDigest(digest: string): void {
  try {
    parseDigest(digest)
  } catch (error) {
    if (error instanceof DigestError) throw new HttpError(400, 'DIGEST_INVALID', error.message, { digest: digest.slice(0, 300) })
    throw error
  }
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
