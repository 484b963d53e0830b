// Verification of blob bytes while they stream. The last chunk is held back until the
// digest is checked, so a consumer (an HTTP response, a file being written) never receives
// a complete body with wrong content: on mismatch the stream fails before it ends.

import { Transform, type TransformCallback } from 'node:stream'
import type { Descriptor } from './descriptor.ts'
import { createDigestHash } from './digest.ts'
import { ContentMismatchError } from '../errors.ts'

/** A pass-through stream that fails unless exactly `descriptor.size` bytes with `descriptor.digest` flow through. */
export function createVerifier(descriptor: Pick<Descriptor, 'digest' | 'size'>, where: string): Transform {
  const hash = createDigestHash(descriptor.digest)
  let received = 0
  let held: Buffer | undefined
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      // An empty chunk must not replace the held one, or the last real chunk would go out unchecked.
      if (chunk.length === 0) {
        callback()
        return
      }
      received += chunk.length
      if (received > descriptor.size) {
        callback(new ContentMismatchError(`${where}: more than the expected ${descriptor.size} bytes`))
        return
      }
      hash.update(chunk)
      const previous = held
      held = chunk
      callback(null, previous)
    },
    flush(callback: TransformCallback): void {
      if (received !== descriptor.size) {
        callback(new ContentMismatchError(`${where}: expected ${descriptor.size} bytes, got ${received}`))
        return
      }
      const actual = `${descriptor.digest.slice(0, descriptor.digest.indexOf(':'))}:${hash.digest('hex')}`
      if (actual !== descriptor.digest) {
        callback(new ContentMismatchError(`${where}: content has digest ${actual}, expected ${descriptor.digest}`))
        return
      }
      callback(null, held)
    },
  })
}
