import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { computeDigest, isValidDigest, parseDigest } from './digest.ts'
import { DigestError } from '../errors.ts'

const HEX64 = 'a'.repeat(64)
const HEX128 = 'b'.repeat(128)

describe('parseDigest', () => {
  it('accepts sha256 with 64 and sha512 with 128 lowercase hex digits', () => {
    assert.deepEqual(parseDigest(`sha256:${HEX64}`), { algorithm: 'sha256', encoded: HEX64 })
    assert.deepEqual(parseDigest(`sha512:${HEX128}`), { algorithm: 'sha512', encoded: HEX128 })
  })

  const bad: Array<[string, RegExp]> = [
    ['', /invalid digest ""/],
    ['sha256', /invalid digest/],
    [`sha256:${HEX64.slice(1)}`, /64 lowercase hex digits/],
    [`sha256:${HEX64}0`, /64 lowercase hex digits/],
    [`sha256:${HEX128}`, /64 lowercase hex digits/],
    [`sha512:${HEX64}`, /128 lowercase hex digits/],
    [`sha256:${'A'.repeat(64)}`, /64 lowercase hex digits/],
    [`sha256:${'g'.repeat(64)}`, /64 lowercase hex digits/],
    [`md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5".*only sha256 and sha512/],
    [`blake3:${HEX64}`, /unsupported digest algorithm "blake3"/],
    // The grammar allows algorithms of several components, each of several characters.
    [`sha+ab:${HEX64}`, /unsupported digest algorithm "sha\+ab"/],
    [`a.bc_de-fg:${HEX64}`, /unsupported digest algorithm "a\.bc_de-fg"/],
    [`SHA256:${HEX64}`, /invalid digest/],
    [`sha256:${HEX64}/../x`, /invalid digest/],
    [`sha512:${HEX128}00`, /invalid digest/],
  ]
  for (const [digest, message] of bad) {
    it(`rejects ${JSON.stringify(digest.length > 40 ? `${digest.slice(0, 40)}…` : digest)}`, () => {
      assert.throws(
        () => parseDigest(digest),
        (error: unknown) => error instanceof DigestError && message.test(error.message),
      )
      assert.equal(isValidDigest(digest), false)
    })
  }

  it('cuts absurdly long input in its error message', () => {
    assert.throws(
      () => parseDigest(`sha256:${'a'.repeat(10_000)}`),
      (error: Error) => error.message.length < 400,
    )
  })
})

describe('computeDigest', () => {
  it('hashes with sha256 by default and with sha512 on request', () => {
    const bytes = Buffer.from('hello')
    assert.equal(computeDigest(bytes), 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824')
    assert.match(computeDigest(bytes, 'sha512'), /^sha512:[0-9a-f]{128}$/)
    assert.ok(isValidDigest(computeDigest(bytes, 'sha512')))
  })
})

describe('the digest grammar agrees with the image-spec', () => {
  // descriptor.md#digests: the grammar, and the encoded form of the two registered algorithms we support.
  const SPEC_DIGEST = /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/
  const SPEC_ENCODED: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ }
  const spec = (s: string): boolean => SPEC_DIGEST.test(s) && (SPEC_ENCODED[s.slice(0, s.indexOf(':'))]?.test(s.slice(s.indexOf(':') + 1)) ?? false)

  const algorithm = fc.oneof(fc.constantFrom('sha256', 'sha512', 'SHA256', 'sha256+b64', 'md5', 'sha-256', ''), fc.stringMatching(/^[a-z0-9+._-]{0,8}$/))
  const encoded = fc.oneof(
    fc.stringMatching(/^[a-f0-9]{62,66}$/),
    fc.stringMatching(/^[a-f0-9]{126,130}$/),
    fc.string({ unit: fc.constantFrom('a', 'f', '0', 'g', 'A', '=', '_', '-', ':', '/', '@'), maxLength: 130 }),
  )
  const nearDigest = fc.tuple(algorithm, fc.constantFrom(':', '', '::', '@'), encoded).map(([a, colon, e]) => `${a}${colon}${e}`)

  it('on strings near the grammar and on any string', () => {
    fc.assert(
      fc.property(fc.oneof(nearDigest, fc.string({ unit: 'binary', maxLength: 80 })), (s) => {
        assert.equal(isValidDigest(s), spec(s), JSON.stringify(s))
      }),
      { numRuns: 2000 },
    )
  })
})
