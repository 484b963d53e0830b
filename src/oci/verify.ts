// The one check that bytes are what their descriptor says (size and digest). DigestCheck
// takes the bytes as they stream; its user holds back the last chunk until finish() accepts
// them, so a consumer (an HTTP response, a file being written) never receives a complete
// body with wrong content. The registry server and the pull client's blob reader use it
// directly, createVerifier wraps it in a Transform, verifyBytes checks bytes in memory.

import { Transform, type TransformCallback } from 'node:stream'
import type { Hash } from 'node:crypto'
import type { Descriptor } from './descriptor.ts'
import { createDigestHash } from './digest.ts'
import { ContentMismatchError } from '../errors.ts'

/** Hashes and counts bytes as they arrive; fails on the first byte past the size, and at the end on a wrong size or digest. */
export class DigestCheck {
  readonly #descriptor: Pick<Descriptor, 'digest' | 'size'>
  readonly #where: string
  readonly #hash: Hash
  #received = 0

  constructor(descriptor: Pick<Descriptor, 'digest' | 'size'>, where: string) {
    this.#descriptor = descriptor
    this.#where = where
    this.#hash = createDigestHash(descriptor.digest)
  }

  get received(): number {
    return this.#received
  }

  /** Takes the next bytes; a ContentMismatchError when they go past the expected size (nothing is hashed then). */
  update(chunk: Uint8Array): ContentMismatchError | undefined {
    this.#received += chunk.length
    if (this.#received > this.#descriptor.size) return new ContentMismatchError(`${this.#where}: more than the expected ${this.#descriptor.size} bytes`)
    this.#hash.update(chunk)
    return undefined
  }

  /** After the last byte: a ContentMismatchError unless exactly the expected size and digest came through. */
  finish(): ContentMismatchError | undefined {
    const { digest, size } = this.#descriptor
    if (this.#received !== size) return new ContentMismatchError(`${this.#where}: expected ${size} bytes, got ${this.#received}`)
    const actual = `${digest.slice(0, digest.indexOf(':'))}:${this.#hash.digest('hex')}`
    if (actual !== digest) return new ContentMismatchError(`${this.#where}: content has digest ${actual}, expected ${digest}`)
    return undefined
  }
}

/** Throws ContentMismatchError unless `bytes` have exactly the descriptor's size and digest. */
export function verifyBytes(bytes: Uint8Array, descriptor: Pick<Descriptor, 'digest' | 'size'>, where: string): void {
  if (bytes.length !== descriptor.size) throw new ContentMismatchError(`${where}: expected ${descriptor.size} bytes, found ${bytes.length}`)
  const check = new DigestCheck(descriptor, where)
  check.update(bytes)
  const error = check.finish()
  if (error !== undefined) throw error
}

/** A pass-through stream that fails unless exactly `descriptor.size` bytes with `descriptor.digest` flow through. */
export function createVerifier(descriptor: Pick<Descriptor, 'digest' | 'size'>, where: string): Transform {
  const check = new DigestCheck(descriptor, where)
  let held: Buffer | undefined
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      // An empty chunk must not replace the held one, or the last real chunk would go out unchecked.
      if (chunk.length === 0) {
        callback()
        return
      }
      const error = check.update(chunk)
      if (error !== undefined) {
        callback(error)
        return
      }
      const previous = held
      held = chunk
      callback(null, previous)
    },
    flush(callback: TransformCallback): void {
      const error = check.finish()
      if (error !== undefined) callback(error)
      else callback(null, held)
    },
  })
}
