// The handler (handler.ts): what a route throws that is no answer of its own is a 500 JSON error,
// logged with its stack, and the server goes on serving.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from '../../content/registry.ts'
import { errorCode, request, serve } from '../../../test/support/server.ts'

function assertRegistryHeaders(headers: Record<string, unknown>): void {
  assert.equal(headers['docker-distribution-api-version'], 'registry/2.0')
  assert.equal(headers['x-content-type-options'], 'nosniff')
}

describe('registry server: internal errors', () => {
  it('answers 500 JSON and logs when the handler throws (which no request above makes it do)', async (t) => {
    class BrokenRegistry extends Registry {
      override repository(): never {
        throw new Error('boom')
      }
    }
    const { server, logs } = await serve(t, new BrokenRegistry())
    const res = await request(server.url, '/v2/app/manifests/latest')
    assert.equal(res.status, 500)
    assert.equal(errorCode(res), 'UNKNOWN')
    assertRegistryHeaders(res.headers)
    assert.ok(
      logs.some((l) => l.startsWith('internal error serving GET /v2/app/manifests/latest: Error: boom')),
      logs.join('\n'),
    )
    assert.equal((await request(server.url, '/v2/')).status, 200)
  })
})
