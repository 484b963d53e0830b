// Every status and error code the pull side answers, pinned in one table and checked against the
// distribution-spec (opencontainers/distribution-spec spec.md): its endpoint table ("Endpoints":
// success and failure statuses of end-1, end-2, end-3, end-8 and end-12) and its error-code list
// ("Error Codes": the only codes a 4xx JSON body may carry). Where the spec defines no answer, it
// says "implementations SHOULD follow the HTTP semantics defined in RFC 9110": such rows name the
// RFC 9110 case they are. A row that fits neither fails the test, so a new answer must be argued here.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Image } from '../../oci/ref.ts'
import { entryRef, fixture, request, serve, type HttpResponse } from '../../../test/support/server.ts'

type Endpoint = 'end-1' | 'end-2' | 'end-3' | 'end-8a' | 'end-8b' | 'end-12a' | 'end-12b' | 'catalog' | 'none'

/**
 * The spec's endpoint table, pull and discovery rows. end-12's "404/400" failure is narrowed by its
 * text: a registry with the referrers API "MUST NOT return a 404", and "400" for an invalid request.
 * /v2/_catalog is not in the spec (distribution's extension): 200 only. A path that is no endpoint
 * at all: 404 only.
 */
const ENDPOINTS: Readonly<Record<Endpoint, readonly number[]>> = {
  'end-1': [200, 404, 401],
  'end-2': [200, 404],
  'end-3': [200, 404],
  'end-8a': [200, 404],
  'end-8b': [200, 404],
  'end-12a': [200, 400],
  'end-12b': [200, 400],
  catalog: [200],
  none: [404],
}

/** The spec's error-code list (code-1 to code-14). */
const SPEC_CODES: ReadonlySet<string> = new Set([
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
])

/** The RFC 9110 answers the server gives where the spec defines none, each with the status it is. */
const RFC_9110 = {
  range: 206,
  'not modified': 304,
  'malformed query': 400,
  'method not allowed': 405,
  'precondition failed': 412,
  'range not satisfiable': 416,
} as const

interface Row {
  endpoint: Endpoint
  path: string
  status: number
  /** The error code of a 4xx body. */
  code?: string
  method?: string
  headers?: Record<string, string>
  /** The RFC 9110 case of a status the endpoint table does not list. */
  rfc9110?: keyof typeof RFC_9110
  /** More to check of a GET's response. */
  check?: (res: HttpResponse) => void
}

function rows(image: Image): Row[] {
  const zero = `sha256:${'0'.repeat(64)}`
  const layer = image.manifest.layers[0]?.digest ?? ''
  const config = image.manifest.config.digest
  const etag = `"${image.digest}"`
  const emptyPage = (res: HttpResponse): void => {
    assert.deepEqual(JSON.parse(res.body.toString()).tags ?? JSON.parse(res.body.toString()).repositories, [])
    assert.equal(res.headers.link, undefined)
  }
  return [
    { endpoint: 'end-1', path: '/v2/', status: 200 },
    { endpoint: 'end-1', path: '/v2', status: 200 },

    { endpoint: 'end-3', path: '/v2/app/manifests/latest', status: 200 },
    { endpoint: 'end-3', path: `/v2/app/manifests/${image.digest}`, status: 200 },
    { endpoint: 'end-3', path: '/v2/app/manifests/latest', headers: { 'if-none-match': etag }, status: 304, rfc9110: 'not modified' },
    {
      endpoint: 'end-3',
      path: '/v2/app/manifests/latest',
      headers: { 'if-match': `"${zero}"` },
      status: 412,
      code: 'UNSUPPORTED',
      rfc9110: 'precondition failed',
    },
    // The conformance suite's pull workflow asks exactly this, and accepts only 404.
    { endpoint: 'end-3', path: '/v2/app/manifests/.INVALID_MANIFEST_NAME', status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: '/v2/app/manifests/v9', status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: '/v2/app/manifests/LATEST', status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: `/v2/app/manifests/${zero}`, status: 404, code: 'MANIFEST_UNKNOWN' },
    // A blob is not a manifest.
    { endpoint: 'end-3', path: `/v2/app/manifests/${config}`, status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: '/v2/app/manifests/sha256:totallywrong', status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: `/v2/app/manifests/md5:${'0'.repeat(32)}`, status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: '/v2/app/manifests/-bad', status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: `/v2/app/manifests/${'x'.repeat(129)}`, status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: '/v2/app/manifests/', status: 404, code: 'MANIFEST_UNKNOWN' },
    { endpoint: 'end-3', path: '/v2/nope/manifests/latest', status: 404, code: 'NAME_UNKNOWN' },
    // An unknown repository is said before anything about the reference.
    { endpoint: 'end-3', path: '/v2/nope/manifests/.INVALID_MANIFEST_NAME', status: 404, code: 'NAME_UNKNOWN' },
    { endpoint: 'end-3', path: '/v2/Bad/manifests/latest', status: 404, code: 'NAME_UNKNOWN' },
    { endpoint: 'end-3', path: `/v2/${'a'.repeat(256)}/manifests/latest`, status: 404, code: 'NAME_UNKNOWN' },

    { endpoint: 'end-2', path: `/v2/app/blobs/${layer}`, status: 200 },
    { endpoint: 'end-2', path: `/v2/app/blobs/${config}`, status: 200 },
    { endpoint: 'end-2', path: `/v2/app/blobs/${layer}`, headers: { range: 'bytes=0-0' }, status: 206, rfc9110: 'range' },
    { endpoint: 'end-2', path: `/v2/app/blobs/${layer}`, headers: { 'if-none-match': `"${layer}"` }, status: 304, rfc9110: 'not modified' },
    { endpoint: 'end-2', path: `/v2/app/blobs/${layer}`, headers: { 'if-match': etag }, status: 412, code: 'UNSUPPORTED', rfc9110: 'precondition failed' },
    {
      endpoint: 'end-2',
      path: `/v2/app/blobs/${layer}`,
      headers: { range: 'bytes=99999999-' },
      status: 416,
      code: 'UNSUPPORTED',
      rfc9110: 'range not satisfiable',
    },
    // A manifest is not a blob.
    { endpoint: 'end-2', path: `/v2/app/blobs/${image.digest}`, status: 404, code: 'BLOB_UNKNOWN' },
    { endpoint: 'end-2', path: `/v2/app/blobs/${zero}`, status: 404, code: 'BLOB_UNKNOWN' },
    { endpoint: 'end-2', path: `/v2/app/blobs/sha512:${'0'.repeat(128)}`, status: 404, code: 'BLOB_UNKNOWN' },
    { endpoint: 'end-2', path: `/v2/app/blobs/sha256:${'A'.repeat(64)}`, status: 404, code: 'BLOB_UNKNOWN' },
    { endpoint: 'end-2', path: '/v2/app/blobs/sha256:totallywrong', status: 404, code: 'BLOB_UNKNOWN' },
    { endpoint: 'end-2', path: '/v2/app/blobs/latest', status: 404, code: 'BLOB_UNKNOWN' },
    { endpoint: 'end-2', path: '/v2/app/blobs/', status: 404, code: 'BLOB_UNKNOWN' },
    { endpoint: 'end-2', path: `/v2/nope/blobs/${layer}`, status: 404, code: 'NAME_UNKNOWN' },
    { endpoint: 'end-2', path: '/v2/Bad/blobs/latest', status: 404, code: 'NAME_UNKNOWN' },

    { endpoint: 'end-8a', path: '/v2/app/tags/list', status: 200 },
    { endpoint: 'end-8a', path: '/v2/nope/tags/list', status: 404, code: 'NAME_UNKNOWN' },
    { endpoint: 'end-8a', path: '/v2/NOPE/tags/list', status: 404, code: 'NAME_UNKNOWN' },
    { endpoint: 'end-8b', path: '/v2/app/tags/list?n=1', status: 200 },
    { endpoint: 'end-8b', path: '/v2/app/tags/list?n=1&last=latest', status: 200 },
    // "When n is zero, this endpoint MUST return an empty list, and MUST NOT include a Link header."
    { endpoint: 'end-8b', path: '/v2/app/tags/list?n=0', status: 200, check: emptyPage },
    { endpoint: 'end-8b', path: '/v2/app/tags/list?n=abc', status: 400, code: 'UNSUPPORTED', rfc9110: 'malformed query' },
    { endpoint: 'end-8b', path: '/v2/app/tags/list?n=-1', status: 400, code: 'UNSUPPORTED', rfc9110: 'malformed query' },

    { endpoint: 'end-12a', path: `/v2/app/referrers/${image.digest}`, status: 200 },
    { endpoint: 'end-12a', path: `/v2/nope/referrers/${zero}`, status: 200 },
    { endpoint: 'end-12a', path: '/v2/app/referrers/sha256:totallywrong', status: 400, code: 'DIGEST_INVALID' },
    { endpoint: 'end-12a', path: `/v2/Bad/referrers/${zero}`, status: 400, code: 'NAME_INVALID' },
    { endpoint: 'end-12b', path: `/v2/app/referrers/${image.digest}?artifactType=x/y`, status: 200 },

    { endpoint: 'catalog', path: '/v2/_catalog', status: 200 },
    { endpoint: 'catalog', path: '/v2/_catalog?n=0', status: 200, check: emptyPage },
    { endpoint: 'catalog', path: '/v2/_catalog?n=1e3', status: 400, code: 'UNSUPPORTED', rfc9110: 'malformed query' },

    { endpoint: 'none', path: '/', status: 404, code: 'UNSUPPORTED' },
    { endpoint: 'none', path: '/v2/app', status: 404, code: 'UNSUPPORTED' },
    { endpoint: 'none', path: '/v2/app/manifests', status: 404, code: 'UNSUPPORTED' },
    { endpoint: 'none', path: '/v2/app/tags/other', status: 404, code: 'UNSUPPORTED' },
    { endpoint: 'none', path: '/v2/app/blobs/uploads/', status: 404, code: 'UNSUPPORTED' },
    { endpoint: 'none', path: '/v3/', status: 404, code: 'UNSUPPORTED' },
    { endpoint: 'none', path: '/v2x/', status: 404, code: 'UNSUPPORTED' },
    { endpoint: 'end-3', method: 'PUT', path: '/v2/app/manifests/latest', status: 405, code: 'UNSUPPORTED', rfc9110: 'method not allowed' },
    { endpoint: 'end-2', method: 'DELETE', path: `/v2/app/blobs/${layer}`, status: 405, code: 'UNSUPPORTED', rfc9110: 'method not allowed' },
    { endpoint: 'none', method: 'POST', path: '/v2/app/blobs/uploads/', status: 405, code: 'UNSUPPORTED', rfc9110: 'method not allowed' },
  ]
}

/** The status is one the spec's table lists for the endpoint, or the RFC 9110 case the row names. */
function assertAllowedStatus(row: Row, what: string): void {
  if (row.rfc9110 === undefined)
    assert.ok(ENDPOINTS[row.endpoint].includes(row.status), `${what}: ${row.status} is not in the spec's table for ${row.endpoint}`)
  else assert.equal(row.status, RFC_9110[row.rfc9110], `${what}: ${row.status} is not RFC 9110's ${row.rfc9110}`)
}

function assertResponse(row: Row, method: string, res: HttpResponse): void {
  const what = `${method} ${row.path.slice(0, 100)}`
  assert.equal(res.status, row.status, what)
  assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0', what)
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what)
  if (res.status < 400) {
    if (method === 'GET') row.check?.(res)
    return
  }
  assert.equal(res.headers['content-type'], 'application/json', what)
  if (method === 'HEAD') {
    assert.equal(res.body.length, 0, what)
    return
  }
  const body = JSON.parse(res.body.toString()) as { errors: Array<{ code: string; message: unknown; detail: unknown }> }
  assert.equal(body.errors.length, 1, what)
  assert.equal(body.errors[0]?.code, row.code, what)
  assert.equal(typeof body.errors[0]?.message, 'string', what)
  assert.ok(body.errors[0]?.detail !== undefined, what)
  assert.equal(res.headers['content-length'], String(res.body.length), what)
}

describe('registry server: statuses and error codes of the distribution-spec', () => {
  it('answers every pull and discovery request with a status of the spec (or RFC 9110) and a code of its list', async (t) => {
    const image = entryRef(await fixture(t, { kind: 'image' })) as Image
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', image)
    for (const row of rows(image)) {
      assertAllowedStatus(row, row.path)
      if (row.code !== undefined) assert.ok(SPEC_CODES.has(row.code), `${row.code} is not in the spec's error-code list`)
      assert.equal(row.code !== undefined, row.status >= 400, `${row.path}: a code exactly for 4xx`)
      for (const method of row.method === undefined ? ['GET', 'HEAD'] : [row.method]) {
        assertResponse(row, method, await request(server.url, row.path, { method, headers: row.headers ?? {} }))
      }
    }
  })
})
