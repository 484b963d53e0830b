// A request that waits for transfer buffers waits on the server, not the other way round: however
// long the wait, its connection is not closed for it (buffer-pool.ts). Reproduced without racing
// a timer: the only pair of buffers is held by a client that stopped reading, a second request
// waits for it, and then the event loop is blocked for longer than the send timeout, as on a
// machine too loaded to run the server. When it runs again, the send timeout has expired for
// both connections; the holder's is closed, and the waiting request must then be served in full.

import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import { type IncomingMessage, request as httpRequest } from 'node:http'
import { describe, it } from 'node:test'
import type { Image } from '../../oci/ref.ts'
import { download, entryRef, fixture, serve, sha256 } from '../../../test/support/server.ts'

const SEND_TIMEOUT_MS = 2000
const PAIR_BYTES = 2 * 1024 * 1024

/** Resolves once the server has taken a request for `path` (the handler has run its synchronous part). */
function requestTaken(path: string): Promise<void> {
  return new Promise((resolve) => {
    const onStart = (message: unknown): void => {
      if ((message as { request: IncomingMessage }).request.url !== path) return
      unsubscribe('http.server.request.start', onStart)
      setImmediate(resolve)
    }
    subscribe('http.server.request.start', onStart)
  })
}

/** Blocks the event loop (timers, sockets, everything in this process) for `ms`. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

describe('registry server: waiting for transfer buffers', () => {
  it('does not close a request that waited for buffers longer than the send timeout: it is served once a pair is free', async (t) => {
    const image = entryRef(await fixture(t, { kind: 'image', layerSize: 8 * 1024 * 1024 })) as Image
    const digest = image.manifest.layers[0]?.digest ?? ''
    const path = `/v2/app/blobs/${digest}`
    const served = await serve(t, undefined, { blobMemory: PAIR_BYTES, sendTimeoutMs: SEND_TIMEOUT_MS })
    await served.registry.addRef('app', 'latest', image)
    const url = new URL(served.server.url)
    // The holder: its response has begun (so it has the pair), then it stops reading.
    const holder = httpRequest({ host: url.hostname, port: url.port, path })
    holder.on('error', () => undefined)
    holder.end()
    const [res] = (await once(holder, 'response')) as [IncomingMessage]
    res.pause()
    res.on('error', () => undefined)
    t.after(() => holder.destroy())
    const taken = requestTaken(path)
    const waiter = download(served.server.url, path)
    await taken
    blockEventLoop(SEND_TIMEOUT_MS + 500)
    const result = await waiter
    assert.equal(result.error, undefined, 'the waiting request is served in full')
    assert.equal(result.status, 200)
    assert.equal(sha256(result.body), digest)
  })
})
