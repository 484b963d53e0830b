// The request log (Exchange.logWhenClosed): one line per response once it closes, with the
// method, the target as asked, the status, the body bytes actually sent and the time taken.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from '../../content/registry.ts'
import { entryRef, fixture, request, serve } from '../../../test/support/server.ts'

/** `METHOD target status bytes ms` as logged, its time parsed. */
const LINE = /^(\S+) (\S+) (\d+) (\d+) (\d+\.\d)ms$/

describe('request log', () => {
  it('logs each response with the bytes its body had and no more time than the request took', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const registry = new Registry()
    registry.addRef('app', 'v1', ref)
    const { server, logged } = await serve(t, registry)

    const cases = [
      { method: 'GET', path: '/v2/' },
      { method: 'GET', path: '/v2/app/manifests/v1' },
      { method: 'HEAD', path: '/v2/app/manifests/v1' },
      { method: 'GET', path: '/v2/app/manifests/nope?x=1' },
    ]
    for (const { method, path } of cases) {
      const started = performance.now()
      const res = await request(server.url, path, { method })
      const line = await logged((l) => l.startsWith(`${method} ${path} `))
      const took = performance.now() - started
      const [, loggedMethod, target, status, bytes, ms] = LINE.exec(line) ?? assert.fail(`not a log line: ${line}`)
      assert.deepEqual([loggedMethod, target, Number(status), Number(bytes)], [method, path, res.status, res.body.length])
      assert.ok(Number(ms) <= took + 0.1, `${line}: logged more than the ${took.toFixed(1)}ms the request took`)
    }
  })
})
