// Blob files as the server reads them: one descriptor per request, and what is known about the
// file behind it. The guarantee (with transfer.ts): no client ever receives a complete 2xx body
// whose bytes differ from the digest (for a 206: from that range of the blob), whatever happens
// to the files before or during a transfer; SECURITY.md says what this promises and to whom.
// Everything sent comes from one descriptor; a file is trusted without hashing only when it was
// hashed whole under the same identity (dev, ino, size, mtime, ctime) and is not racy (as git's
// racily-clean entries), else hashed as it streams (a layout's own blob file) or before its first
// byte (any other file); a file found wrong is remembered until it changes.

import { constants } from 'node:fs'
import { type FileHandle, open, realpath, stat } from 'node:fs/promises'
import type { BigIntStats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { parseDigest } from '../../oci/digest.ts'
import { blobFileName } from '../../oci/layout-store.ts'
import { DigestCheck, verifyBytes } from '../../oci/verify.ts'
import { BlobFileError, ContentMismatchError, messageOf } from '../../errors.ts'
import type { FileBlob } from '../../content/registry.ts'

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

  /** Opens the blob file; a BlobFileError (logged) when it cannot be read, is not the right size or is known to be wrong. */
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
   * Hashes the whole file through `buffer`, before any byte of it is sent (`beforeRead` may throw
   * to stop); the file as verified for this transfer.
   */
  async verifyWhole(file: OpenBlobFile, buffer: Buffer, beforeRead: () => void): Promise<OpenBlobFile> {
    const check = new DigestCheck(file.blob, where(file.blob))
    const startedAt = Date.now()
    for (let position = 0; position < file.blob.size;) {
      beforeRead()
      const read = await readChunk(file, buffer, position, file.blob.size)
      check.update(buffer.subarray(0, read))
      position += read
    }
    await this.record(file, startedAt, check)
    return { ...file, verified: true }
  }

  /**
   * Before the last chunk of a transfer goes out: a verified file must still have the identity it
   * was opened with, and the bytes hashed as they streamed (`check`, from `hashStartedAt`) must be
   * the blob's; a ContentMismatchError otherwise.
   */
  async confirm(file: OpenBlobFile, hashStartedAt: number, check: DigestCheck | undefined): Promise<void> {
    if (check !== undefined) return this.record(file, hashStartedAt, check)
    if (identityOf(await file.handle.stat({ bigint: true })) !== file.identity) {
      throw new ContentMismatchError(`${where(file.blob)}: the file changed while it was being sent`)
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

  #unreadable(blob: FileBlob, reason: string): BlobFileError {
    const message = `cannot serve ${where(blob)}: ${reason}`
    this.#logError(message)
    return new BlobFileError(message, blob.digest, false)
  }

  #corrupt(blob: FileBlob, reason: string, log = true): BlobFileError {
    const message = `not serving ${where(blob)}: ${reason}`
    if (log) this.#logError(message)
    return new BlobFileError(message, blob.digest, true)
  }
}

/** Names a blob file in log lines and errors. */
export function where(blob: FileBlob): string {
  return blobFileName(blob.digest, blob.path, blob.layout)
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

/** Reads the next chunk (a buffer's worth, up to `end`) at `position`; a ContentMismatchError when the file ends before `end`. */
export async function readChunk(file: OpenBlobFile, buffer: Buffer, position: number, end: number): Promise<number> {
  const wanted = Math.min(buffer.length, end - position)
  let total = 0
  while (total < wanted) {
    const { bytesRead } = await file.handle.read(buffer, total, wanted - total, position + total)
    if (bytesRead === 0) break
    total += bytesRead
  }
  if (total < wanted) throw new ContentMismatchError(`${where(file.blob)}: the file ended ${end - position - total} bytes early`)
  return total
}
