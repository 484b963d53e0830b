// The connection cap and the send timeout of listen(), in process: which connection is closed
// when the cap is reached, and a client that stops reading being closed once the timeout passed.
// (bounds.test.ts measures the same bounds with 1,000 clients against a server process.)

import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import type { Image } from '../../oci/ref.ts'
import { Registry } from './registry.ts'
import { listen } from './server.ts'
import { entryRef, fixture } from './test-support.ts'

/** Larger than what the kernel buffers for a client that does not read. */
const LAYER_BYTES = 48 * 1024 * 1024

/** A connection that sends `text` and never reads. */
async function stalledClient(t: TestContext, url: string, text: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  t.after(() => socket.destroy())
  socket.pause()
  socket.on('error', () => undefined)
  socket.write(text)
  await once(socket, 'connect')
  return socket
}

describe('registry server: connection cap and send timeout', () => {
  it('closes a connection over maxConnections at once (the newcomer, or a stalled one in its place)', async (t) => {
    const registry = new Registry()
    const server = await listen(registry, { maxConnections: 1, log: () => undefined })
    t.after(() => server.close())
    const { port } = new URL(server.url)
    const closedByServer = (socket: Socket): Promise<void> =>
      new Promise((resolve) => {
        socket.on('error', () => undefined)
        socket.once('close', () => resolve())
      })
    const first = connect(Number(port), '127.0.0.1')
    const firstClosed = closedByServer(first)
    await once(first, 'connect')
    const second = connect(Number(port), '127.0.0.1')
    const secondClosed = closedByServer(second)
    await once(second, 'connect')
    // Exactly one of them is closed by the server; the other still gets answers.
    const closed = await Promise.race([firstClosed.then(() => first), secondClosed.then(() => second)])
    const open = closed === first ? second : first
    open.write('GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n')
    const [reply] = (await once(open, 'data')) as [Buffer]
    assert.match(reply.toString('latin1'), /^HTTP\/1\.1 200 /)
    open.destroy()
  })

  it('closes a connection whose client stopped reading once sendTimeoutMs passed without progress', async (t) => {
    const layout = await fixture(t, { kind: 'image', layerSize: LAYER_BYTES })
    const image = entryRef(layout) as Image
    const registry = new Registry()
    await registry.addRef('app', 'latest', image)
    let logged: (line: string) => void = () => undefined
    const line = new Promise<string>((resolve) => (logged = resolve))
    const server = await listen(registry, { sendTimeoutMs: 300, log: (l) => logged(l) })
    t.after(() => server.close())
    await stalledClient(t, server.url, `GET /v2/app/blobs/${image.manifest.layers[0]?.digest} HTTP/1.1\r\nHost: x\r\n\r\n`)
    // The response is closed by the server, cut off: the request log says so.
    assert.match(await line, / 200 \(aborted\) \d+ /)
  })
})
