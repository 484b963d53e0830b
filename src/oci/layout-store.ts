// The blobs of an OCI image layout directory (image-spec image-layout.md) as a ContentSource.
// Blob files may be symlinks (rules_oci links blobs out of the tree): every access follows them.
// Stats and manifest reads are synchronous: each is a tiny operation, and a round trip through
// libuv's thread pool costs more than the operation itself. Loading does thousands of them
// before the server listens (nothing else is waiting on the event loop yet); a run-time addRef
// or openBlob does only a few. Blob contents are streamed, never read here.

import { createReadStream, existsSync, lstatSync, readlinkSync, statSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import { Readable, pipeline } from 'node:stream'
import { type Descriptor, embeddedData } from './descriptor.ts'
import { parseDigest } from './digest.ts'
import { MAX_MANIFEST_BYTES } from './manifest.ts'
import { isNonDistributable } from './media-types.ts'
import type { ContentSource } from './ref.ts'
import { readRegularFile } from './regular-file.ts'
import { createVerifier, verifyBytes } from './verify.ts'
import { LayoutError } from '../errors.ts'

/** Blob files are read in chunks of this size: large reads keep syscalls and stream overhead low. */
export const BLOB_READ_CHUNK = 1024 * 1024

export class LayoutStore implements ContentSource {
  readonly location: string
  /** Non-distributable layers checkBlob found absent. */
  readonly #lacking = new Set<string>()

  constructor(dir: string) {
    this.location = dir
  }

  /** The path of a blob file inside the layout, for a digest that has been validated. */
  blobPath(digest: string): string {
    const { algorithm, encoded } = parseDigest(digest)
    return join(this.location, 'blobs', algorithm, encoded)
  }

  async readManifest(descriptor: Descriptor): Promise<Buffer> {
    const where = this.#where(descriptor)
    const bytes = embeddedData(descriptor) ?? this.#readSmallFile(descriptor, where)
    verifyBytes(bytes, descriptor, where)
    return bytes
  }

  /**
   * Checks that a blob exists with the descriptor's size: a stat, never a read. A non-distributable
   * layer may be absent: then lacksBlob says so from now on.
   */
  async checkBlob(descriptor: Descriptor): Promise<void> {
    if (embeddedData(descriptor) !== undefined) return
    if (isNonDistributable(descriptor.mediaType) && !existsSync(this.blobPath(descriptor.digest))) {
      this.#lacking.add(descriptor.digest)
      return
    }
    const size = this.#stat(descriptor).size
    if (size !== descriptor.size) {
      throw new LayoutError(`${this.#where(descriptor)}: file has ${size} bytes, the descriptor says ${descriptor.size}`)
    }
  }

  lacksBlob(digest: string): boolean {
    return this.#lacking.has(digest)
  }

  async openBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<Readable> {
    const data = embeddedData(descriptor)
    if (data !== undefined) return Readable.from([data])
    const where = this.#where(descriptor)
    this.#stat(descriptor)
    const file = createReadStream(this.blobPath(descriptor.digest), { highWaterMark: BLOB_READ_CHUNK, signal })
    // pipeline, not pipe: a read error or an abort must fail the returned stream, and destroying it must close the file.
    return pipeline(file, createVerifier(descriptor, where), () => {})
  }

  #readSmallFile(descriptor: Descriptor, where: string): Buffer {
    if (descriptor.size > MAX_MANIFEST_BYTES) {
      throw new LayoutError(`${where}: the descriptor says ${descriptor.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit for manifests`)
    }
    const path = this.blobPath(descriptor.digest)
    let bytes: Buffer
    try {
      bytes = readRegularFile(path, MAX_MANIFEST_BYTES, (message) => new LayoutError(message), where)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      throw this.#missing(descriptor)
    }
    if (bytes.length !== descriptor.size) {
      throw new LayoutError(
        `${where}: file is too ${bytes.length < descriptor.size ? 'short' : 'long'} (${bytes.length} bytes, the descriptor says ${descriptor.size})`,
      )
    }
    return bytes
  }

  #stat(descriptor: Descriptor): Stats {
    const path = this.blobPath(descriptor.digest)
    try {
      const info = statSync(path)
      if (!info.isFile()) throw new LayoutError(`${this.#where(descriptor)}: not a regular file`)
      return info
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      throw this.#missing(descriptor)
    }
  }

  #missing(descriptor: Descriptor): LayoutError {
    return new LayoutError(`${this.#where(descriptor)}: blob is missing${danglingLinkHint(this.blobPath(descriptor.digest))}`)
  }

  #where(descriptor: Descriptor): string {
    return blobFileName(descriptor.digest, this.blobPath(descriptor.digest), this.location)
  }
}

/** Names a layout's blob file in messages and log lines: `blob DIGEST (PATH) of layout DIR`. */
export function blobFileName(digest: string, path: string, layout: string): string {
  return `blob ${digest} (${path}) of layout ${layout}`
}

/** When a missing blob is a symlink, say where it points: usually runfiles that were not shipped. */
function danglingLinkHint(path: string): string {
  try {
    if (!lstatSync(path).isSymbolicLink()) return ''
    return ` (a symlink to ${JSON.stringify(readlinkSync(path))}, which does not exist: are the image target's runfiles included?)`
  } catch {
    return ''
  }
}
