// Error answers shared by several routes. Each route looks its content up first and only
// checks the grammar of what it was asked for on a miss, so a hit costs no parsing; these
// then tell a client why it missed: a name or digest that cannot exist (400) or one that
// merely is not here (404).

import type { ServerResponse } from 'node:http'
import { parseDigest, quote } from '../../oci/digest.ts'
import { DigestError } from '../../errors.ts'
import { isValidRepository } from '../../oci/names.ts'
import { count, type LogEntry } from './request-log.ts'
import { sendError } from './responses.ts'

/** Answers a request for an unknown repository: 400 when the name cannot be one, 404 otherwise. */
export function unknownRepository(res: ServerResponse, name: string, entry: LogEntry | undefined): void {
  if (!isValidRepository(name)) {
    count(entry, sendError(res, 400, 'NAME_INVALID', `invalid repository name ${quote(name)}`, { name: name.slice(0, 300) }))
  } else {
    count(entry, sendError(res, 404, 'NAME_UNKNOWN', `repository ${quote(name)} is not known to this registry`, { name }))
  }
}

/** Answers 400 DIGEST_INVALID (with the parser's reason) and returns true when `digest` is not a valid digest. */
export function refusedInvalidDigest(res: ServerResponse, digest: string, entry: LogEntry | undefined): boolean {
  const problem = digestProblem(digest)
  if (problem === undefined) return false
  count(entry, sendError(res, 400, 'DIGEST_INVALID', problem, { digest: digest.slice(0, 300) }))
  return true
}

function digestProblem(digest: string): string | undefined {
  try {
    parseDigest(digest)
    return undefined
  } catch (error) {
    if (error instanceof DigestError) return error.message
    throw error
  }
}
