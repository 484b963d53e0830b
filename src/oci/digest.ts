// Digests as defined by the image-spec (descriptor.md#digests): `algorithm:encoded`.
// Only the registered algorithms sha256 and sha512 are accepted, because any other
// could not be verified and content we cannot verify must not be served.

import { createHash, type Hash } from 'node:crypto'
import { DigestError, quote } from '../errors.ts'

export type DigestAlgorithm = 'sha256' | 'sha512'

export interface ParsedDigest {
  algorithm: DigestAlgorithm
  encoded: string
}

const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/
const ENCODED: Record<DigestAlgorithm, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
}

/** Longest digest string we ever look at; anything longer is rejected before any regex runs. */
export const MAX_DIGEST_LENGTH = 'sha512:'.length + 128

export function parseDigest(digest: string): ParsedDigest {
  if (digest.length > MAX_DIGEST_LENGTH || !GRAMMAR.test(digest)) {
    throw new DigestError(`invalid digest ${quote(digest)}: expected "algorithm:encoded", e.g. "sha256:" followed by 64 hex digits`)
  }
  const separator = digest.indexOf(':')
  const algorithm = digest.slice(0, separator)
  const encoded = digest.slice(separator + 1)
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new DigestError(`unsupported digest algorithm "${algorithm}" in ${quote(digest)}: only sha256 and sha512 are supported`)
  }
  if (!ENCODED[algorithm].test(encoded)) {
    const length = algorithm === 'sha256' ? 64 : 128
    throw new DigestError(`invalid ${algorithm} digest ${quote(digest)}: the encoded part must be ${length} lowercase hex digits`)
  }
  return { algorithm, encoded }
}

export function isValidDigest(digest: string): boolean {
  try {
    parseDigest(digest)
    return true
  } catch {
    return false
  }
}

export function createDigestHash(digest: string): Hash {
  return createHash(parseDigest(digest).algorithm)
}

export function computeDigest(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`
}
