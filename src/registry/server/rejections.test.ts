// The shared error answers: a miss that could exist says only that it is not here, one that
// cannot exist says why, and the detail never repeats more than a bounded prefix of the request.
// Every answer's status, code, detail and extra headers are pinned here, as clients read them.

import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { BlobFileError, ContentMismatchError } from '../../errors.ts'
import { request } from '../../../test/support/server.ts'
import { Exchange } from './exchange.ts'
import {
  checkDigest,
  checkRepositoryName,
  failureAnswer,
  HttpError,
  invalidPageSize,
  methodNotAllowed,
  noSuchEndpoint,
  preconditionFailed,
  rangeNotSatisfiable,
  unknownBlob,
  unknownManifest,
  unknownRepository,
  writeError,
} from './rejections.ts'

const DIGEST = `sha256:${'a'.repeat(64)}`

interface Expected {
  status: number
  code: string
  detail: Record<string, unknown>
  headers?: string[]
}

function assertAnswer(error: HttpError, expected: Expected): void {
  assert.deepEqual({ status: error.status, code: error.code, detail: error.detail, headers: error.headers }, { headers: [], ...expected })
}

/** What `check` throws; fails when it does not throw an HttpError. */
function thrown(check: () => void): HttpError {
  try {
    check()
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error))
    return error
  }
  assert.fail('expected an HttpError')
}

describe('rejections', () => {
  it('a digest or tag that could exist is only not here: no reason is appended', () => {
    assert.equal(unknownBlob('repo', DIGEST).message, `blob "${DIGEST}" is not known in repository "repo"`)
    assert.equal(unknownManifest('repo', DIGEST).message, `manifest "${DIGEST}" is not known in repository "repo"`)
    assert.equal(unknownManifest('repo', 'v1').message, `manifest "v1" is not known in repository "repo"`)
    assert.equal(unknownRepository('library/app').message, `repository "library/app" is not known to this registry`)
  })

  it('one that cannot exist says why, still as a 404', () => {
    const blob = unknownBlob('repo', 'sha256:short')
    assert.equal(blob.status, 404)
    assert.match(blob.message, /^blob "sha256:short" is not known in repository "repo": ./)
    assert.match(unknownManifest('repo', 'sha256:short').message, /: it is not a tag, and ./)
    assert.match(unknownManifest('repo', '-bad').message, /: it is not a digest, and not a tag either/)
    assert.match(unknownRepository('Bad').message, /^repository "Bad" is not known to this registry: a repository name is ./)
  })

  it('each answer has its status, code, detail and headers', () => {
    assertAnswer(methodNotAllowed('PUT'), { status: 405, code: 'UNSUPPORTED', detail: { method: 'PUT' }, headers: ['Allow', 'GET, HEAD'] })
    assert.match(methodNotAllowed('PUT').message, /"PUT" is not supported, only GET and HEAD$/)
    assert.match(methodNotAllowed(undefined).message, /: "" is not supported/)
    assertAnswer(noSuchEndpoint('/v3/'), { status: 404, code: 'UNSUPPORTED', detail: {} })
    assertAnswer(invalidPageSize('ten'), { status: 400, code: 'UNSUPPORTED', detail: { n: 'ten' } })
    assertAnswer(unknownRepository('app'), { status: 404, code: 'NAME_UNKNOWN', detail: { name: 'app' } })
    assertAnswer(unknownManifest('app', 'v1'), { status: 404, code: 'MANIFEST_UNKNOWN', detail: { name: 'app', reference: 'v1' } })
    assertAnswer(unknownBlob('app', DIGEST), { status: 404, code: 'BLOB_UNKNOWN', detail: { name: 'app', digest: DIGEST } })
    assertAnswer(
      thrown(() => checkDigest('sha256:short')),
      { status: 400, code: 'DIGEST_INVALID', detail: { digest: 'sha256:short' } },
    )
    assertAnswer(preconditionFailed(DIGEST), { status: 412, code: 'UNSUPPORTED', detail: { digest: DIGEST } })
    assertAnswer(rangeNotSatisfiable(DIGEST, 10), {
      status: 416,
      code: 'UNSUPPORTED',
      detail: { digest: DIGEST, size: 10 },
      headers: ['Content-Range', 'bytes */10'],
    })
    assert.doesNotThrow(() => checkDigest(DIGEST))
  })

  it('a detail repeats at most a bounded prefix of what was asked for', () => {
    const long = 'x'.repeat(1000)
    assert.deepEqual(invalidPageSize(long).detail, { n: long.slice(0, 100) })
    assert.deepEqual(unknownRepository(long).detail, { name: long.slice(0, 300) })
    assert.deepEqual(unknownManifest('app', long).detail, { name: 'app', reference: long.slice(0, 300) })
    assert.deepEqual(unknownBlob('app', long).detail, { name: 'app', digest: long.slice(0, 300) })
    assert.deepEqual(thrown(() => checkDigest(`sha256:${long}`)).detail, { digest: `sha256:${long}`.slice(0, 300) })
  })

  it('an invalid repository name (referrers) is a 400 whose detail repeats at most 300 characters of it', () => {
    const name = `Bad${'x'.repeat(1000)}`
    assertAnswer(
      thrown(() => checkRepositoryName(name)),
      { status: 400, code: 'NAME_INVALID', detail: { name: name.slice(0, 300) } },
    )
    assert.doesNotThrow(() => checkRepositoryName('library/ok'))
  })
})

describe('failureAnswer', () => {
  it('an HttpError is its own answer, already accounted for', () => {
    const error = unknownBlob('app', DIGEST)
    const { answer, unlogged } = failureAnswer(error)
    assert.equal(answer, error)
    assert.equal(unlogged, false)
  })

  it('a blob file that cannot be served is a 500 naming the digest, logged where it was found', () => {
    const corrupt = failureAnswer(new BlobFileError('size differs', DIGEST, true))
    assertAnswer(corrupt.answer, { status: 500, code: 'UNKNOWN', detail: { digest: DIGEST } })
    assert.equal(corrupt.answer.message, `blob ${DIGEST} is corrupt on the server`)
    assert.equal(corrupt.unlogged, false)
    const unreadable = failureAnswer(new BlobFileError('EACCES', DIGEST, false))
    assert.equal(unreadable.answer.message, `blob ${DIGEST} cannot be read on the server`)
    assert.equal(unreadable.unlogged, false)
  })

  it('content found wrong while sent, and any other error, are 500s still to be logged', () => {
    const mismatch = failureAnswer(new ContentMismatchError('digest differs'))
    assertAnswer(mismatch.answer, { status: 500, code: 'UNKNOWN', detail: {} })
    assert.equal(mismatch.answer.message, 'blob is corrupt on the server')
    assert.equal(mismatch.unlogged, true)
    const bug = failureAnswer(new TypeError('boom'))
    assertAnswer(bug.answer, { status: 500, code: 'UNKNOWN', detail: {} })
    assert.equal(bug.answer.message, 'internal server error')
    assert.equal(bug.unlogged, true)
  })
})

/** A server whose every request is answered by `answer`; resolves to its URL. */
async function answering(t: TestContext, answer: (exchange: Exchange) => void): Promise<string> {
  const server = createServer((req, res) => answer(new Exchange(req, res)))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('writeError', () => {
  it('writes the error body alone: headers set for a success are dropped, its own are added, its bytes counted', async (t) => {
    let counted = -1
    const url = await answering(t, (exchange) => {
      exchange.res.setHeader('Docker-Content-Digest', DIGEST)
      exchange.res.setHeader('Content-Type', 'application/octet-stream')
      writeError(exchange, rangeNotSatisfiable(DIGEST, 10))
      counted = exchange.bytes
    })
    const res = await request(url, '/v2/app/blobs/x')
    assert.equal(res.status, 416)
    assert.equal(res.headers['docker-content-digest'], undefined)
    assert.equal(res.headers['content-type'], 'application/json')
    assert.equal(res.headers['content-range'], 'bytes */10')
    assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0')
    assert.equal(res.headers['content-length'], String(res.body.length))
    assert.deepEqual(JSON.parse(res.body.toString()), {
      errors: [{ code: 'UNSUPPORTED', message: `requested range not satisfiable: blob ${DIGEST} has 10 bytes`, detail: { digest: DIGEST, size: 10 } }],
    })
    assert.equal(counted, res.body.length)
  })
})
