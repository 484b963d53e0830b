// Small blob files (configs, tiny layers) kept in memory once verified.
//
// For a small blob the cost of a request is not the bytes but the file system calls (stat,
// open, read, close on libuv's thread pool): served from files, a 200-byte config went at
// ~4,500 requests/s where nginx did ~25,000. Once a small file has been read whole and its
// digest checked, those bytes ARE the blob (content addressing), whatever happens to the file
// later, so they are served from memory like embedded blobs, without touching the file again.
// Bounded: at most SMALL_BLOB_BYTES per blob and SMALL_BLOB_BUDGET in all; past the budget,
// blobs are still served, from their files.

import { readFile } from 'node:fs/promises'
import { computeDigest, parseDigest } from '../../oci/digest.ts'
import { ContentMismatchError } from '../../errors.ts'
import type { FileBlob } from './registry.ts'

export const SMALL_BLOB_BYTES = 64 * 1024
export const SMALL_BLOB_BUDGET = 64 * 1024 * 1024

export class SmallBlobs {
  readonly #blobs = new Map<FileBlob, Buffer>()
  #bytes = 0

  get(blob: FileBlob): Buffer | undefined {
    return this.#blobs.get(blob)
  }

  /** Reads the whole file, checks size and digest, and keeps the bytes if the budget allows. */
  async load(blob: FileBlob, path: string): Promise<Buffer> {
    const data = await readFile(path)
    const where = `blob ${blob.digest} (${path}) of layout ${blob.layout}`
    if (data.length !== blob.size) throw new ContentMismatchError(`${where}: file has ${data.length} bytes, the descriptor says ${blob.size}`)
    const actual = computeDigest(data, parseDigest(blob.digest).algorithm)
    if (actual !== blob.digest) throw new ContentMismatchError(`${where}: content has digest ${actual}, expected ${blob.digest}`)
    if (!this.#blobs.has(blob) && this.#bytes + data.length <= SMALL_BLOB_BUDGET) {
      this.#blobs.set(blob, data)
      this.#bytes += data.length
    }
    return data
  }
}
