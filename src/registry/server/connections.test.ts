// The connection cap and the send timeout of listen(), in process: which connection is closed
// when the cap is reached, and a client that stops reading being closed once the timeout passed.
// (bounds.test.ts measures the same bounds with 1,000 clients against a server process.)

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fsPromises from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'
import { EventEmitter } from 'node:events'
import { once } from 'node:events'
import { get as httpsGet } from 'node:https'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { describe, it, type TestContext } from 'node:test'
import type { Image } from '../../oci/ref.ts'
import { serverTls } from '../../tls/index.ts'
import { ConnectionCap, DEFAULT_MAX_CONNECTIONS, STALL_GRACE_MS } from './connections.ts'
import { Registry } from '../../content/registry.ts'
import { listen } from './server.ts'
import { download, entryRef, fixture, request, sha256 } from '../../../test/support/server.ts'

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

describe('registry server: transfer buffers', () => {
  it('serves blobs without a log option (nothing counts the bytes)', async (t) => {
    const image = entryRef(await fixture(t, { kind: 'image', layerSize: 3 * 1024 * 1024 })) as Image
    const registry = new Registry()
    await registry.addRef('app', 'latest', image)
    const server = await listen(registry)
    t.after(() => server.close())
    const layer = image.manifest.layers[0]?.digest ?? ''
    assert.equal(sha256((await request(server.url, `/v2/app/blobs/${layer}`)).body), layer)
    assert.equal((await request(server.url, `/v2/app/blobs/${layer}`, { headers: { range: 'bytes=0-9' } })).body.length, 10)
  })

  for (const client of ['stops reading', 'hangs up'] as const) {
    it(`gives the only pair of buffers to a waiting request when the client holding it ${client}`, async (t) => {
      const image = entryRef(await fixture(t, { kind: 'image', layerSize: LAYER_BYTES })) as Image
      const registry = new Registry()
      await registry.addRef('app', 'latest', image)
      const server = await listen(registry, { blobMemory: 2 * 1024 * 1024, log: () => undefined })
      t.after(() => server.close())
      const path = `/v2/app/blobs/${image.manifest.layers[0]?.digest}`
      const stalled = await stalledClient(t, server.url, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
      // It holds the pair once its first bytes arrive.
      stalled.resume()
      await once(stalled, 'data')
      stalled.pause()
      if (client === 'hangs up') stalled.destroy()
      // Served once the pair is free: at once after a hang-up, after POOL_STALL_GRACE_MS for a client that stopped reading.
      const res = await download(server.url, path)
      assert.equal(res.error, undefined)
      assert.equal(sha256(res.body), image.manifest.layers[0]?.digest)
    })
  }
})

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
  it('does not close a connection for the send timeout while the server opens the blob, however long that takes', async (t) => {
    const image = entryRef(await fixture(t, { kind: 'image', layerSize: 3 * 1024 * 1024 })) as Image
    const registry = new Registry()
    await registry.addRef('app', 'latest', image)
    const server = await listen(registry, { sendTimeoutMs: 100, log: () => undefined })
    t.after(() => server.close())
    // The server is slow to open the file (as on a loaded machine): the open returns only after a
    // connection that came during it was closed for the send timeout, so the request, quiet for
    // longer than that, would have been closed too had its wait counted as a stall.
    const { port } = new URL(server.url)
    const stalledOneClosed = async (): Promise<void> => {
      const socket = connect(Number(port), '127.0.0.1')
      socket.on('error', () => undefined)
      t.after(() => socket.destroy())
      await once(socket, 'close')
    }
    const open = fsPromises.open
    const slowOpen = t.mock.method(fsPromises, 'open', async (...args: Parameters<typeof open>) => {
      // Two in turn: the first may have come before the request's last byte, the second did not.
      await stalledOneClosed()
      await stalledOneClosed()
      return open(...args)
    })
    syncBuiltinESMExports()
    t.after(() => {
      slowOpen.mock.restore()
      syncBuiltinESMExports()
    })
    const layer = image.manifest.layers[0]?.digest ?? ''
    const res = await download(server.url, `/v2/app/blobs/${layer}`)
    assert.equal(res.error, undefined)
    assert.equal(sha256(res.body), layer)
    assert.equal(slowOpen.mock.callCount(), 1)
  })
})

/** A TLS ClientHello record header that announces more bytes than will ever come, then its first body bytes. */
const CLIENT_HELLO = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x3f, 0xff, 0x01, 0x00, 0x3f, 0xfb, 0x03, 0x03]), Buffer.alloc(400)])
/** Longer than the headers timeout (with which a handshake must be done), shorter than Node's default handshake timeout (two minutes). */
const TRICKLE_MS = 60_000

describe('registry server: TLS connections under the same bounds', () => {
  it('closes connections that trickle a ClientHello within the headers timeout, and then serves a normal client', async (t) => {
    const tls = await serverTls({}, '127.0.0.1')
    const server = await listen(new Registry(), { tls, maxConnections: 4, log: () => undefined })
    t.after(() => server.close())
    const { port } = new URL(server.url)
    // One byte every half second, as an attack that holds every place under the cap would send.
    const sockets = Array.from({ length: 4 }, () => {
      const socket = connect(Number(port), '127.0.0.1')
      t.after(() => socket.destroy())
      socket.on('error', () => undefined)
      return socket
    })
    const closed = Promise.all(sockets.map((socket) => once(socket, 'close')))
    let sent = 0
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(CLIENT_HELLO.subarray(sent, sent + 1))
      sent++
      if (sent * 500 >= TRICKLE_MS) clearInterval(trickle)
    }, 500)
    t.after(() => clearInterval(trickle))
    let deadline: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      closed.then(() => 'closed by the server'),
      new Promise((resolve) => (deadline = setTimeout(resolve, TRICKLE_MS, 'still open after the trickle'))),
    ])
    clearTimeout(deadline)
    clearInterval(trickle)
    assert.equal(outcome, 'closed by the server')
    const status = await new Promise<number | undefined>((resolve, reject) =>
      httpsGet(`${server.url}/v2/`, { ca: tls.caCertificate, agent: false }, (res) => resolve(res.resume().statusCode)).on('error', reject),
    )
    assert.equal(status, 200)
  })

  it('does not close a connection for the send timeout while it waits for transfer buffers', async (t) => {
    const tls = await serverTls({}, '127.0.0.1')
    const image = entryRef(await fixture(t, { kind: 'image', layerSize: LAYER_BYTES })) as Image
    const registry = new Registry()
    await registry.addRef('app', 'latest', image)
    const server = await listen(registry, { tls, blobMemory: 2 * 1024 * 1024, sendTimeoutMs: 300, log: () => undefined })
    t.after(() => server.close())
    const layer = image.manifest.layers[0]?.digest ?? ''
    const { port } = new URL(server.url)
    // The holder of the only pair of buffers reads a little every 50 ms: never stalled, never done.
    const holder = tlsConnect({ port: Number(port), host: '127.0.0.1', ca: tls.caCertificate })
    t.after(() => holder.destroy())
    holder.on('error', () => undefined)
    holder.pause()
    holder.write(`GET /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\n\r\n`)
    await once(holder, 'readable')
    // Meanwhile another client waits for the pair, far longer than the send timeout.
    const waiter = new Promise<{ status: number | undefined; body: Buffer }>((resolve, reject) =>
      httpsGet(`${server.url}/v2/app/blobs/${layer}`, { ca: tls.caCertificate, agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      }).on('error', reject),
    )
    for (let i = 0; i < 40; i++) {
      holder.read()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    holder.destroy()
    const { status, body } = await waiter
    assert.equal(status, 200)
    assert.equal(sha256(body), layer)
  })
})

/** The parts of a socket ConnectionCap reads, with counters a test moves by hand. */
class FakeSocket extends EventEmitter {
  bytesRead = 0
  bytesWritten = 0
  destroyed = false

  destroy(): void {
    this.destroyed = true
    this.emit('close')
  }
}

function admitted(cap: ConnectionCap, socket: FakeSocket): FakeSocket {
  cap.admit(socket as unknown as Socket)
  return socket
}

describe('ConnectionCap', () => {
  it('closes a newcomer over the cap unless a connection made no progress for STALL_GRACE_MS; then that one, the longest stalled, goes', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    const cap = new ConnectionCap(2)
    const a = admitted(cap, new FakeSocket())
    t.mock.timers.tick(10)
    const b = admitted(cap, new FakeSocket())
    assert.equal(cap.size, 2)
    // Nothing has stalled long enough: the newcomer is refused.
    const early = admitted(cap, new FakeSocket())
    assert.equal(early.destroyed, true)
    assert.deepEqual([a.destroyed, b.destroyed, cap.size], [false, false, 2])
    // A second later both are stalled: the longest stalled (a) goes.
    t.mock.timers.tick(STALL_GRACE_MS)
    const c = admitted(cap, new FakeSocket())
    assert.deepEqual([a.destroyed, b.destroyed, c.destroyed, cap.size], [true, false, false, 2])
    // b moves bytes (as many read as written); another second later only c is stalled (counted from when it came): c goes.
    b.bytesWritten += 100
    b.bytesRead += 100
    t.mock.timers.tick(STALL_GRACE_MS)
    const d = admitted(cap, new FakeSocket())
    assert.deepEqual([b.destroyed, c.destroyed, d.destroyed, cap.size], [false, true, false, 2])
    // b's progress was seen just now and d came just now: the next newcomer is refused.
    t.mock.timers.tick(10)
    d.bytesWritten += 1
    assert.equal(admitted(cap, new FakeSocket()).destroyed, true)
    // Progress seen once does not protect b for ever: still since then, it is stalled a second later (d moved later).
    t.mock.timers.tick(STALL_GRACE_MS - 10)
    const e = admitted(cap, new FakeSocket())
    assert.deepEqual([b.destroyed, d.destroyed, e.destroyed, cap.size], [true, false, false, 2])
    // A connection that closes frees its place.
    e.destroy()
    assert.equal(cap.size, 1)
    assert.equal(admitted(cap, new FakeSocket()).destroyed, false)
    assert.equal(cap.size, 2)
  })

  it('closeStalled closes a connection without progress for the timeout, but not one waiting on the server; after the wait its stall counts afresh', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    const cap = new ConnectionCap(10)
    const idle = admitted(cap, new FakeSocket())
    const busy = admitted(cap, new FakeSocket())
    const waiting = admitted(cap, new FakeSocket())
    let release: () => void = () => undefined
    const wait = cap.waitOnServer(waiting as unknown as Socket, new Promise<void>((resolve) => (release = resolve)))
    t.mock.timers.tick(999)
    busy.bytesRead += 1
    cap.closeStalled(1000)
    assert.deepEqual([idle.destroyed, busy.destroyed, waiting.destroyed], [false, false, false])
    // A second without progress: the idle one goes; busy's progress was seen a millisecond ago.
    t.mock.timers.tick(1)
    cap.closeStalled(1000)
    assert.deepEqual([idle.destroyed, busy.destroyed, waiting.destroyed], [true, false, false])
    // However long the server makes it wait, the waiting one stays.
    t.mock.timers.tick(5000)
    cap.closeStalled(1000)
    assert.deepEqual([busy.destroyed, waiting.destroyed], [true, false])
    release()
    await wait
    t.mock.timers.tick(999)
    cap.closeStalled(1000)
    assert.equal(waiting.destroyed, false)
    t.mock.timers.tick(1)
    cap.closeStalled(1000)
    assert.equal(waiting.destroyed, true)
  })

  it('closeStalledEvery does not count as a stall the time its process was not running (a late sweep)', (t) => {
    t.mock.timers.enable({ apis: ['Date', 'setInterval'], now: 1_000_000 })
    const cap = new ConnectionCap(10)
    const live = admitted(cap, new FakeSocket())
    const idle = admitted(cap, new FakeSocket())
    const sweeps = cap.closeStalledEvery(1000)
    t.after(() => sweeps.stop())
    // Sweeps every 250 ms; live's bytes move between them.
    for (let i = 0; i < 3; i++) {
      live.bytesWritten += 1
      t.mock.timers.tick(250)
    }
    assert.deepEqual([live.destroyed, idle.destroyed], [false, false])
    // The process stops for two seconds right after a sweep: the next sweep runs that late, before
    // the event loop could see what live's client took meanwhile (the mock also runs the missed
    // sweeps, at that same time). Only the time the process ran counts: idle, quiet for 750 ms and
    // an interval, goes; live, quiet for an interval, stays.
    t.mock.timers.tick(2250)
    assert.deepEqual([live.destroyed, idle.destroyed], [false, true])
    // Still a stall counts on: live, quiet from then on, goes a second of running time later.
    t.mock.timers.tick(250)
    t.mock.timers.tick(250)
    assert.equal(live.destroyed, false)
    t.mock.timers.tick(250)
    assert.equal(live.destroyed, true)
  })

  it('lowers the default cap to fit the open-file limit (minus descriptors kept for files), never below 1', () => {
    const module = JSON.stringify(new URL('./connections.ts', import.meta.url).href)
    const script = `import { defaultMaxConnections } from ${module}; console.log(defaultMaxConnections())`
    for (const [limit, expected] of [
      [1024, 1024 - 128],
      [10_000, DEFAULT_MAX_CONNECTIONS],
      [100, 1],
    ] as const) {
      const out = execFileSync('prlimit', [`--nofile=${limit}`, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' })
      assert.equal(Number(out), expected, `limit ${limit}`)
    }
  })
})
