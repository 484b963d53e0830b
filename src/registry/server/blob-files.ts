// Blob files as the server reads them: one descriptor per request, and what is known about
// the file behind it.
//
// The guarantee (with transfer.ts): no client ever receives a complete 2xx body whose bytes
// differ from the digest (for a 206: from that range of the blob), whatever happens to the
// files before or during a transfer. How:
//  - A request opens the blob file once and everything it sends comes from that descriptor,
//    so renaming, deleting or swapping a symlink after the open cannot change what is sent.
//  - The descriptor is fstat'ed; its identity is (dev, ino, size, mtime, ctime) in
//    nanoseconds. A write to the file changes mtime and ctime, resetting mtime (utimes)
//    changes ctime, which no process can set, and replacing the file changes dev/ino.
//  - A file is "verified" when its bytes were hashed in full under that identity, unchanged
//    from before the hashing started to after it ended, and its ctime is older than
//    RACY_MS before the hashing started (like git's racily-clean entries: a write in the
//    same clock tick as the last one could otherwise keep the ctime). A verified file is
//    sent without hashing; before its last chunk goes out the descriptor is fstat'ed again
//    (transfer.ts) and the response is cut off if the identity changed.
//  - Any other file that is a layout's blob file for this digest (all symlinks followed, it is
//    DIR/blobs/ALG/ENCODED of a directory DIR with an oci-layout file) is read and hashed whole
//    while the range asked for streams, the last chunk held back until the digest matched.
//  - Any other file (a symlink out of every layout, e.g. to a private file) is hashed whole
//    before its first byte goes out, then sent as a verified file is: a client never receives
//    a byte of a file that is not the blob (SECURITY.md says what this promises and to whom).
//  - A file that failed (wrong digest or size) is remembered by identity and answered 500
//    without sending a byte until it changes, so at most one cut-off response ever carries
//    bytes of a wrong file (the one that found out).
//  - Small blobs are read and checked whole before any byte goes out, then served from memory
//    (those bytes are the blob, whatever happens to the file later).

import { constants } from 'node:fs'
import { type FileHandle, open, realpath, stat } from 'node:fs/promises'
import type { BigIntStats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { parseDigest } from '../../oci/digest.ts'
import { type DigestCheck, verifyBytes } from '../../oci/verify.ts'
import { ContentMismatchError } from '../../errors.ts'
import type { FileBlob } from '../../content/registry.ts'
import { HttpError } from './responses.ts'

/** Blobs up to this size are read whole, checked, and kept in memory (within SMALL_BLOB_BUDGET). */
export const SMALL_BLOB_BYTES = 64 * 1024
export const SMALL_BLOB_BUDGET = 64 * 1024 * 1024
/** A file changed less than this long before it was hashed is not trusted later without hashing. */
export const RACY_MS = 1000
/** Verdicts kept (a few per blob file version; the oldest are forgotten first). */
const MAX_VERDICTS = 100_000

/** A blob file opened for one request. */
export interface OpenBlobFile {
  readonly blob: FileBlob
  readonly handle: FileHandle
  /** The descriptor's identity when it was opened. */
  readonly identity: string
  /** Whether the file was verified under this identity (else it must be hashed). */
  readonly verified: boolean
  /** Whether an unverified file may stream while it is hashed: it is a layout's blob file for this digest (see the top). */
  readonly layoutBlob: boolean
}

export class BlobFiles {
  /** `digest identity` → true (verified) or the mismatch that was found. */
  readonly #verdicts = new Map<string, true | ContentMismatchError>()
  readonly #small = new Map<FileBlob, Buffer>()
  #smallBytes = 0
  readonly #logError: (line: string) => void

  constructor(logError: (line: string) => void) {
    this.#logError = logError
  }

  /** A small blob's verified bytes, if it was read before. */
  cached(blob: FileBlob): Buffer | undefined {
    return this.#small.get(blob)
  }

  /** Opens the blob file; HttpError 500 (logged) when it cannot be read, is not the right size or is known to be wrong. */
  async open(blob: FileBlob): Promise<OpenBlobFile> {
    let handle: FileHandle
    try {
      // O_NONBLOCK: a FIFO put in a blob's place must not block a thread of the pool on open.
      handle = await open(blob.path, constants.O_RDONLY | constants.O_NONBLOCK)
    } catch (error) {
      throw this.#unreadable(blob, `cannot open ${blob.path}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`)
    }
    try {
      const stats = await handle.stat({ bigint: true })
      if (!stats.isFile()) throw this.#unreadable(blob, `${blob.path} is not a regular file`)
      if (stats.size !== BigInt(blob.size)) throw this.#corrupt(blob, `${blob.path} has ${stats.size} bytes, its descriptor says ${blob.size}`)
      const identity = identityOf(stats)
      const verdict = this.#verdicts.get(`${blob.digest} ${identity}`)
      if (verdict instanceof ContentMismatchError) throw this.#corrupt(blob, `${verdict.message} (found earlier, the file has not changed since)`, false)
      const verified = verdict === true
      return { blob, handle, identity, verified, layoutBlob: verified || (await isLayoutBlobFile(blob, stats)) }
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  /** Throws what open() would throw for this file, else nothing. */
  async check(blob: FileBlob): Promise<void> {
    await (await this.open(blob)).handle.close()
  }

  /** Reads a small blob whole through its own descriptor, checks it, and keeps it (budget allowing). */
  async readSmall(blob: FileBlob): Promise<Buffer> {
    const file = await this.open(blob)
    try {
      const bytes = Buffer.allocUnsafe(blob.size)
      const { bytesRead } = await file.handle.read(bytes, 0, blob.size, 0)
      this.#check(file, () => verifyBytes(bytes.subarray(0, bytesRead), blob, where(blob)))
      if (this.#smallBytes + blob.size <= SMALL_BLOB_BUDGET && !this.#small.has(blob)) {
        this.#small.set(blob, bytes)
        this.#smallBytes += blob.size
      }
      return bytes
    } finally {
      await file.handle.close()
    }
  }

  /**
   * Records what hashing the whole file under `file.identity` found: a ContentMismatchError
   * when the bytes were wrong (remembered, logged and thrown). Right bytes make the file
   * verified if it did not change during the hashing and is not racy.
   */
  async record(file: OpenBlobFile, hashStartedAt: number, check: DigestCheck): Promise<void> {
    this.#check(file, () => {
      const error = check.finish()
      if (error !== undefined) throw error
    })
    const now = await file.handle.stat({ bigint: true })
    if (identityOf(now) === file.identity && now.ctimeNs < BigInt(hashStartedAt - RACY_MS) * 1_000_000n) {
      this.#remember(`${file.blob.digest} ${file.identity}`, true)
    }
  }

  /** Whether the descriptor still has the identity it was opened with (checked before the last chunk of a verified file). */
  async unchanged(file: OpenBlobFile): Promise<boolean> {
    return identityOf(await file.handle.stat({ bigint: true })) === file.identity
  }

  #check(file: OpenBlobFile, check: () => void): void {
    try {
      check()
    } catch (error) {
      if (!(error instanceof ContentMismatchError)) throw error
      this.#remember(`${file.blob.digest} ${file.identity}`, error)
      throw error
    }
  }

  #remember(key: string, verdict: true | ContentMismatchError): void {
    this.#verdicts.delete(key)
    this.#verdicts.set(key, verdict)
    if (this.#verdicts.size > MAX_VERDICTS) this.#verdicts.delete(this.#verdicts.keys().next().value as string)
  }

  #unreadable(blob: FileBlob, reason: string): HttpError {
    this.#logError(`cannot serve ${where(blob)}: ${reason}`)
    return new HttpError(500, 'UNKNOWN', `blob ${blob.digest} cannot be read on the server`, { digest: blob.digest })
  }

  #corrupt(blob: FileBlob, reason: string, log = true): HttpError {
    if (log) this.#logError(`not serving ${where(blob)}: ${reason}`)
    return new HttpError(500, 'UNKNOWN', `blob ${blob.digest} is corrupt on the server`, { digest: blob.digest })
  }
}

/** Names a blob file in log lines and errors. */
export function where(blob: FileBlob): string {
  return `blob ${blob.digest} (${blob.path}) of layout ${blob.layout}`
}

/**
 * Whether the opened file, every symlink followed, is DIR/blobs/ALG/ENCODED (the blob's digest)
 * of a directory DIR that holds an oci-layout file. No when the path no longer leads to the
 * opened file (changed since the open), or on any error: such a file is hashed before it is sent.
 */
async function isLayoutBlobFile(blob: FileBlob, opened: BigIntStats): Promise<boolean> {
  const { algorithm, encoded } = parseDigest(blob.digest)
  try {
    const real = await realpath(blob.path)
    const found = await stat(real, { bigint: true })
    if (found.dev !== opened.dev || found.ino !== opened.ino) return false
    const blobs = dirname(dirname(real))
    if (basename(real) !== encoded || basename(dirname(real)) !== algorithm || basename(blobs) !== 'blobs') return false
    return (await stat(join(dirname(blobs), 'oci-layout'))).isFile()
  } catch {
    return false
  }
}

function identityOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
