import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, it } from 'node:test'
import { computeDigest } from './digest.ts'
import { createVerifier } from './verify.ts'
import { ContentMismatchError } from '../errors.ts'

/** Pipes chunks through a verifier; returns how many bytes the consumer got and the error, if any. */
async function consume(chunks: Buffer[], expected: { digest: string; size: number }): Promise<{ received: number; error: unknown }> {
  let received = 0
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      received += chunk.length
      callback()
    },
  })
  try {
    await pipeline(Readable.from(chunks), createVerifier(expected, 'blob X (/layout/blobs/sha256/x)'), sink)
    return { received, error: undefined }
  } catch (error) {
    return { received, error }
  }
}

const good = [Buffer.from('aaaa'), Buffer.from('bbbb'), Buffer.from('cc')]
const goodBytes = Buffer.concat(good)
const expected = { digest: computeDigest(goodBytes), size: goodBytes.length }

describe('createVerifier', () => {
  it('passes through content that matches, byte for byte', async () => {
    const out: Buffer[] = []
    await pipeline(Readable.from(good), createVerifier(expected, 'x'), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) out.push(chunk)
    })
    assert.deepEqual(Buffer.concat(out), goodBytes)
  })

  it('verifies sha512 digests', async () => {
    const { error } = await consume(good, { digest: computeDigest(goodBytes, 'sha512'), size: goodBytes.length })
    assert.equal(error, undefined)
  })

  it('fails on same-size wrong content, naming the blob, and never delivers all the bytes', async () => {
    const wrong = [Buffer.from('aaaa'), Buffer.from('bbbb'), Buffer.from('cX')]
    const { received, error } = await consume(wrong, expected)
    assert.ok(error instanceof ContentMismatchError)
    assert.match(error.message, /blob X \(\/layout\/blobs\/sha256\/x\): content has digest sha256:[0-9a-f]{64}, expected sha256:/)
    assert.ok(received < expected.size, `consumer got ${received} of ${expected.size} bytes before the error`)
  })

  it('holds back the final chunk even when empty chunks follow it', async () => {
    const wrong = Buffer.from('aaaabbbbcX')
    const { received, error } = await consume([wrong, Buffer.alloc(0), Buffer.alloc(0)], expected)
    assert.ok(error instanceof ContentMismatchError)
    assert.equal(received, 0)
  })

  it('fails on content that is too short', async () => {
    const { received, error } = await consume([Buffer.from('aaaa')], expected)
    assert.ok(error instanceof ContentMismatchError)
    assert.match(error.message, /expected 10 bytes, got 4/)
    assert.equal(received, 0)
  })

  it('fails on content that is too long, before delivering the expected size', async () => {
    const { received, error } = await consume([...good, Buffer.from('extra')], expected)
    assert.ok(error instanceof ContentMismatchError)
    assert.match(error.message, /more than the expected 10 bytes/)
    assert.ok(received < expected.size)
  })

  it('accepts an empty blob', async () => {
    const { error } = await consume([], { digest: computeDigest(Buffer.alloc(0)), size: 0 })
    assert.equal(error, undefined)
  })
})
