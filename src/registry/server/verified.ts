// Which blob files have been verified in full, so unchanged files are not hashed again.
//
// Policy: a blob file is trusted without hashing only if it was hashed in full before and has
// not changed since. "Not changed" is judged by (path, dev, ino, size, mtimeMs, ctimeMs) from
// the stat the response is built on: rewriting a file in place changes its mtime and ctime,
// resetting the mtime (utimes, touch -d) changes the ctime, which no unprivileged process can
// set, and replacing it (rename, new link) changes the inode. So:
//  - a full GET of a blob not yet verified is hashed while it streams, the last chunk held back
//    until the digest matched (createVerifier's rule, see pump.ts): a mismatch destroys the
//    response, so the client never gets a complete wrong body; a match records the file;
//  - a Range request on a blob not yet verified reads and hashes the whole file first (once,
//    shared by concurrent requests), records it, then serves the range; on mismatch it answers
//    500 before sending any byte;
//  - any request for a verified, unchanged file streams it without hashing.
// What is left: a file changed while it is being served after verification is not caught
// (there is no way to know before the bytes have gone out); the next request sees the new
// ctime and verifies again.

import { createHash } from 'node:crypto'
import type { Stats } from 'node:fs'
import { open } from 'node:fs/promises'
import { parseDigest } from '../../oci/digest.ts'
import { BLOB_READ_CHUNK } from '../../oci/layout-store.ts'
import { ContentMismatchError } from '../../errors.ts'

export function statKey(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`
}

export class VerifiedFiles {
  /** path → statKey of the file when it was last hashed in full with the right digest. */
  readonly #verified = new Map<string, string>()
  /** `${path}\0${key}` → the hashing in progress, shared by concurrent requests. */
  readonly #pending = new Map<string, Promise<void>>()

  isVerified(path: string, stats: Stats): boolean {
    return this.#verified.get(path) === statKey(stats)
  }

  /** Records a file that was just streamed in full through a verifier that accepted it. */
  markVerified(path: string, stats: Stats): void {
    this.#verified.set(path, statKey(stats))
  }

  /** Hashes the whole file (unless already verified) and records it; rejects with ContentMismatchError. */
  verify(path: string, stats: Stats, digest: string, size: number): Promise<void> {
    if (this.isVerified(path, stats)) return Promise.resolve()
    const id = `${path}\0${statKey(stats)}`
    let pending = this.#pending.get(id)
    if (pending === undefined) {
      pending = hashFile(path, digest, size)
        .then(() => this.markVerified(path, stats))
        .finally(() => this.#pending.delete(id))
      this.#pending.set(id, pending)
    }
    return pending
  }
}

async function hashFile(path: string, digest: string, size: number): Promise<void> {
  const algorithm = parseDigest(digest).algorithm
  const hash = createHash(algorithm)
  const buffer = Buffer.allocUnsafe(BLOB_READ_CHUNK)
  let bytes = 0
  const handle = await open(path, 'r')
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, bytes)
      if (bytesRead === 0) break
      bytes += bytesRead
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await handle.close()
  }
  const actual = `${algorithm}:${hash.digest('hex')}`
  if (bytes !== size) throw new ContentMismatchError(`blob file ${path}: expected ${size} bytes, found ${bytes}`)
  if (actual !== digest) throw new ContentMismatchError(`blob file ${path}: content has digest ${actual}, expected ${digest}`)
}
