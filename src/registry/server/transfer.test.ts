// A blob transfer (transfer.ts): read only as fast as the client takes the bytes, and a client
// that hangs up mid-transfer is no server-side problem.

import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { describe, it } from 'node:test'
import type { Image } from '../../oci/ref.ts'
import { entryRef, fixture, request, serve, sha256 } from '../../../test/support/server.ts'

describe('registry server: streaming', () => {
  it('reads a blob only as fast as the client takes it (back-pressure: memory does not grow with blob size)', async (t) => {
    const size = 128 * 1024 * 1024
    const image = entryRef(await fixture(t, { kind: 'image', layerSize: size })) as Image
    // The server closes a connection once nothing moved for sendTimeoutMs: it had all that time to read ahead, had it wanted to.
    const served = await serve(t, undefined, { sendTimeoutMs: 300 })
    await served.registry.addRef('app', 'latest', image)
    const url = new URL(served.server.url)
    const path = `/v2/app/blobs/${image.manifest.layers[0]?.digest}`
    const req = httpRequest({ host: url.hostname, port: url.port, path }, (res) => res.once('data', () => res.pause()))
    req.on('error', () => undefined)
    req.end()
    const line = await served.logged((l) => l.startsWith('GET '))
    req.destroy()
    const sent = Number(/ 200 \(aborted\) (\d+) /.exec(line)?.[1])
    assert.ok(sent > 0, line)
    assert.ok(sent < 48 * 1024 * 1024, `the server read ${sent} bytes of a ${size}-byte blob for a client that stopped reading: ${line}`)
  })

  it('logs nothing but the request line when a client hangs up mid-transfer', async (t) => {
    const image = entryRef(await fixture(t, { kind: 'image', layerSize: 8 * 1024 * 1024 })) as Image
    // One pair of transfer buffers: each transfer starts only after the one before released them (and finished failing).
    const served = await serve(t, undefined, { blobMemory: 2 * 1024 * 1024 })
    await served.registry.addRef('app', 'latest', image)
    const url = new URL(served.server.url)
    const path = `/v2/app/blobs/${image.manifest.layers[0]?.digest}`
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path }, (res) => res.once('data', () => req.destroy()))
        req.on('error', () => undefined)
        req.on('close', () => resolve())
        req.end()
      })
      await served.logged(() => served.logs.filter((l) => l.startsWith('GET ')).length > i)
    }
    assert.equal(sha256((await request(served.server.url, path)).body), image.manifest.layers[0]?.digest)
    await served.logged((l) => / 200 \d+ /.test(l))
    const other = served.logs.filter((l) => !/^GET \S+ 200 (\(aborted\) )?\d+ [\d.]+ms$/.test(l))
    assert.deepEqual(other, [], 'a client that hangs up is no server-side problem')
  })
})
