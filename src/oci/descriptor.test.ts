import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { embeddedData, isJsonObject, parseDescriptor } from './descriptor.ts'
import { computeDigest } from './digest.ts'
import { ManifestError } from '../errors.ts'

const bytes = Buffer.from('{}')
const valid = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: computeDigest(bytes), size: bytes.length }

describe('parseDescriptor', () => {
  it('accepts a descriptor with every optional field, keeping unknown ones', () => {
    const full = {
      ...valid,
      urls: ['https://example.com/blob'],
      annotations: { a: 'b' },
      data: bytes.toString('base64'),
      platform: { architecture: 'amd64', os: 'linux', variant: 'v8' },
      artifactType: 'application/x',
      extra: 1,
    }
    assert.deepEqual(parseDescriptor(full, 'here'), full)
    assert.deepEqual(parseDescriptor({ ...valid, size: 0 }, 'here').size, 0)
  })

  it('refuses anything else with a ManifestError that names where and what', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /a descriptor must be a JSON object/],
      [[valid], /a descriptor must be a JSON object/],
      ['x', /a descriptor must be a JSON object/],
      [{ ...valid, mediaType: undefined }, /no mediaType/],
      [{ ...valid, mediaType: '' }, /no mediaType/],
      [{ ...valid, mediaType: 3 }, /no mediaType/],
      [{ ...valid, digest: undefined }, /no digest/],
      [{ ...valid, digest: 3 }, /no digest/],
      [{ ...valid, digest: 'md5:00' }, /unsupported digest algorithm/],
      [{ ...valid, size: undefined }, /size undefined is not/],
      [{ ...valid, size: '2' }, /size "2" is not/],
      [{ ...valid, size: -1 }, /size -1 is not/],
      [{ ...valid, size: 1.5 }, /size 1.5 is not/],
      [{ ...valid, size: 2 ** 53 }, /is not a non-negative integer/],
      [{ ...valid, annotations: { a: 1 } }, /annotations must map strings to strings/],
      [{ ...valid, annotations: ['a'] }, /annotations must map strings to strings/],
      [{ ...valid, data: 3 }, /data must be a base64 string/],
      [{ ...valid, platform: 'linux' }, /platform needs string "architecture" and "os"/],
      [{ ...valid, platform: { os: 'linux' } }, /platform needs string/],
      [{ ...valid, platform: { architecture: 'amd64' } }, /platform needs string/],
      [{ ...valid, urls: 'https://x' }, /urls must be an array of strings/],
      [{ ...valid, urls: ['https://x', 3] }, /urls must be an array of strings/],
    ]
    for (const [value, message] of cases) {
      assert.throws(
        () => parseDescriptor(value, 'index.json manifests[2]'),
        (e: unknown) => e instanceof ManifestError && e.message.startsWith('index.json manifests[2]: ') && message.test(e.message),
        JSON.stringify(value),
      )
    }
  })
})

describe('isJsonObject and embeddedData', () => {
  it('tells objects from null, arrays and scalars', () => {
    assert.equal(isJsonObject({}), true)
    for (const value of [null, [], 'x', 1, undefined, true]) assert.equal(isJsonObject(value), false, String(value))
  })

  it('uses embedded data only when it matches the size and digest', () => {
    assert.deepEqual(embeddedData({ ...valid, data: bytes.toString('base64') }), bytes)
    assert.equal(embeddedData(valid), undefined)
    assert.equal(embeddedData({ ...valid, data: Buffer.from('{ }').toString('base64') }), undefined)
    assert.equal(embeddedData({ ...valid, data: Buffer.from('[]').toString('base64') }), undefined)
  })
})
