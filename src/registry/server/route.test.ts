// Routing (route.ts): the request target is parsed strictly, never decoded or normalised
// (property-based, fast-check), and every method but GET and HEAD is refused.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseTarget } from './route.ts'
import { entryRef, errorCode, fixture, request, serve } from '../../../test/support/server.ts'

/** distribution-spec's repository name grammar (path components joined by "/"), at most 255 characters. */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/
const names = fc.stringMatching(NAME).filter((n) => n.length <= 255)
const tags = fc.stringMatching(TAG)
const digests = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`)
/** A query string as a client may send it: anything but "#" (which no client sends) after the "?". */
const queries = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'binary-ascii' }).map((q) => `?${q.replaceAll('#', '')}`),
)
/** Text made of the characters that matter to the parser, so the interesting cases come up often. */
const targetish = fc
  .array(fc.constantFrom('/', 'v2', 'v', '2', '_catalog', 'manifests', 'blobs', 'tags', 'list', 'referrers', 'a', '..', '?', '%2F', ':', ''), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''))

describe('parseTarget (property-based)', () => {
  it('parses every well-formed target of every endpoint back into its parts', () => {
    fc.assert(
      fc.property(names, fc.oneof(tags, digests), digests, queries, (name, reference, digest, query) => {
        assert.deepEqual(parseTarget(`/v2/${name}/manifests/${reference}${query}`), { endpoint: 'manifests', name, argument: reference, query: query.slice(1) })
        assert.deepEqual(parseTarget(`/v2/${name}/blobs/${digest}${query}`), { endpoint: 'blobs', name, argument: digest, query: query.slice(1) })
        assert.deepEqual(parseTarget(`/v2/${name}/referrers/${digest}${query}`), { endpoint: 'referrers', name, argument: digest, query: query.slice(1) })
        assert.deepEqual(parseTarget(`/v2/${name}/tags/list${query}`), { endpoint: 'tags', name, query: query.slice(1) })
        assert.deepEqual(parseTarget(`/v2/_catalog${query}`), { endpoint: 'catalog', query: query.slice(1) })
        assert.deepEqual(parseTarget(`/v2/${query}`), { endpoint: 'base' })
      }),
    )
  })

  it('never throws, and whatever it returns is exactly the text it was given (no decoding, no normalising)', () => {
    fc.assert(
      fc.property(fc.oneof(targetish, fc.string(), fc.string({ unit: 'binary' })), fc.oneof(targetish, fc.string()), (head, tail) => {
        for (const target of [head, `/v2/${head}`, `/v2/${head}/manifests/${tail}`, `/v2/${tail}/blobs/${head}`]) {
          const parsed = parseTarget(target)
          const path = target.split('?')[0] ?? ''
          if (parsed === undefined) continue
          assert.ok(path === '/v2' || path.startsWith('/v2/'), target)
          if (parsed.endpoint === 'base') assert.ok(path === '/v2' || path === '/v2/', target)
          if (parsed.endpoint === 'catalog') assert.equal(path, '/v2/_catalog')
          if (parsed.endpoint === 'tags') assert.equal(path, `/v2/${parsed.name}/tags/list`)
          if (parsed.endpoint === 'manifests' || parsed.endpoint === 'blobs' || parsed.endpoint === 'referrers') {
            assert.equal(path, `/v2/${parsed.name}/${parsed.endpoint}/${parsed.argument}`)
            assert.ok(!parsed.argument.includes('/'), target)
          }
          if (parsed.endpoint !== 'base') assert.equal(parsed.query, target.includes('?') ? target.slice(target.indexOf('?') + 1) : '')
        }
      }),
    )
  })

  it('names no endpoint for a kind of endpoint without a repository name before it', () => {
    for (const target of ['/v2/manifests/latest', '/v2/blobs/sha256:x', '/v2/referrers/sha256:x', '/v2/tags/list', '/v2/x']) {
      assert.equal(parseTarget(target), undefined, target)
    }
  })

  it('names no endpoint for anything outside /v2', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        if (!text.startsWith('/v2')) assert.equal(parseTarget(text), undefined)
        if (/^\/v2[^/?]/.test(text)) assert.equal(parseTarget(text), undefined)
      }),
    )
  })
})

function assertRegistryHeaders(headers: Record<string, unknown>): void {
  assert.equal(headers['docker-distribution-api-version'], 'registry/2.0')
  assert.equal(headers['x-content-type-options'], 'nosniff')
}

describe('registry server: errors', () => {
  it('refuses every method but GET and HEAD with 405 UNSUPPORTED and Allow: GET, HEAD', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', ref)
    for (const method of ['PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS']) {
      for (const path of ['/v2/app/manifests/latest', '/v2/app/blobs/uploads/', '/v2/', '/nowhere']) {
        const res = await request(server.url, path, { method, headers: { 'content-type': 'application/json' } })
        assert.equal(res.status, 405, `${method} ${path}`)
        assert.equal(res.headers.allow, 'GET, HEAD')
        assert.equal(errorCode(res), 'UNSUPPORTED')
        assertRegistryHeaders(res.headers)
      }
    }
    // Still served afterwards: nothing was changed.
    assert.equal((await request(server.url, '/v2/app/manifests/latest')).status, 200)
  })

  it('answers a path that is no endpoint with 404 UNSUPPORTED naming the path, without its query', async (t) => {
    const { server } = await serve(t)
    const res = await request(server.url, '/v3/app?token=secret')
    assert.equal(res.status, 404)
    assert.equal(errorCode(res), 'UNSUPPORTED')
    const { errors } = JSON.parse(res.body.toString()) as { errors: Array<{ message: string }> }
    assert.match(errors[0]?.message ?? '', /^no such endpoint "\/v3\/app": /)
  })
})
