// The shared error answers: a miss that could exist says only that it is not here, one that
// cannot exist says why, and the detail never repeats more than a bounded prefix of the request.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkRepositoryName, HttpError, unknownBlob, unknownManifest } from './rejections.ts'

const DIGEST = `sha256:${'a'.repeat(64)}`

describe('rejections', () => {
  it('a digest or tag that could exist is only not here: no reason is appended', () => {
    assert.equal(unknownBlob('repo', DIGEST).message, `blob "${DIGEST}" is not known in repository "repo"`)
    assert.equal(unknownManifest('repo', DIGEST).message, `manifest "${DIGEST}" is not known in repository "repo"`)
    assert.equal(unknownManifest('repo', 'v1').message, `manifest "v1" is not known in repository "repo"`)
  })

  it('one that cannot exist says why, still as a 404', () => {
    const blob = unknownBlob('repo', 'sha256:short')
    assert.equal(blob.status, 404)
    assert.match(blob.message, /^blob "sha256:short" is not known in repository "repo": ./)
    assert.match(unknownManifest('repo', 'sha256:short').message, /: it is not a tag, and ./)
    assert.match(unknownManifest('repo', '-bad').message, /: it is not a digest, and not a tag either/)
  })

  it('an invalid repository name (referrers) is a 400 whose detail repeats at most 300 characters of it', () => {
    const name = `Bad${'x'.repeat(1000)}`
    assert.throws(
      () => checkRepositoryName(name),
      (error: unknown) => {
        assert.ok(error instanceof HttpError, String(error))
        assert.equal(error.status, 400)
        assert.equal(error.code, 'NAME_INVALID')
        assert.deepEqual(error.detail, { name: name.slice(0, 300) })
        return true
      },
    )
    assert.doesNotThrow(() => checkRepositoryName('library/ok'))
  })
})
