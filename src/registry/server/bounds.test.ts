// Bounded under load: 1,000 clients that request a large blob and never read, or never finish
// their request, must not grow the server's memory or file descriptors without bound, nor
// keep it from answering a normal client. The server runs as its own process (the CLI), so
// its RSS and descriptors are measured apart from the clients'; they are checked as bounds,
// never as timings.

import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdir, readFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, it, type TestContext } from 'node:test'
import type { Image } from '../../oci/ref.ts'
import { download, entryRef, fixture, request, sha256 } from '../../../test/support/server.ts'

const CLI = fileURLToPath(new URL('../../cli/main.ts', import.meta.url))
const CLIENTS = 1000
/** Larger than what the kernel buffers for a client that does not read, so every transfer stalls. */
const LAYER_BYTES = 48 * 1024 * 1024
const DEADLINE_MS = 120_000

interface ServerProcess {
  url: string
  pid: number
  stderr(): string
}

/** Starts `localregistry serve` on 127.0.0.1:0 (under `prlimit --nofile` when given), killed when the test ends. */
async function startServer(t: TestContext, layout: string, nofile?: number): Promise<ServerProcess> {
  const args = [CLI, 'serve', '--image', `app:latest=${layout}`, '--listen', '127.0.0.1:0']
  const child: ChildProcess =
    nofile === undefined
      ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('prlimit', [`--nofile=${nofile}`, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => {
    child.kill('SIGKILL')
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [line] = (await Promise.race([once(child.stdout as NodeJS.ReadableStream, 'data'), once(child, 'exit')])) as [Buffer | number]
  if (!Buffer.isBuffer(line)) throw new Error(`the server exited (${String(line)}): ${stderr}`)
  return { url: line.toString().trim(), pid: child.pid as number, stderr: () => stderr }
}

async function status(pid: number): Promise<{ peakRssMiB: number; fds: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8')
  const peak = Number(/^VmHWM:\s+(\d+) kB/m.exec(text)?.[1])
  return { peakRssMiB: peak / 1024, fds: (await readdir(`/proc/${pid}/fd`)).length }
}

/** Opens `count` connections that each send `text` and never read; resolves once all are connected. */
async function stalledClients(t: TestContext, url: string, count: number, text: string): Promise<Socket[]> {
  const { hostname, port } = new URL(url)
  const sockets: Socket[] = []
  t.after(() => {
    for (const socket of sockets) socket.destroy()
  })
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), hostname)
    socket.pause()
    socket.on('error', () => undefined)
    sockets.push(socket)
    socket.write(text)
    await once(socket, 'connect')
  }
  return sockets
}

/** Runs `work` while sampling the server's descriptors; returns the most seen. */
async function peakDescriptors(pid: number, work: Promise<unknown>): Promise<number> {
  let done = false
  void work.finally(() => (done = true)).catch(() => undefined)
  let peak = 0
  while (!done) peak = Math.max(peak, (await status(pid)).fds)
  await work
  return peak
}

/** A normal client's pull of everything in the image; a connection refused at the cap is retried (bounded), as real clients do. */
async function normalPull(url: string, image: Image): Promise<number> {
  const deadline = Date.now() + DEADLINE_MS
  let refused = 0
  for (;;) {
    try {
      assert.equal((await request(url, '/v2/')).status, 200)
      const manifest = await request(url, `/v2/app/manifests/latest`, { headers: { accept: image.mediaType } })
      assert.deepEqual(manifest.body, image.raw)
      for (const d of [image.manifest.config, ...image.manifest.layers]) {
        const blob = await download(url, `/v2/app/blobs/${d.digest}`)
        if (blob.error !== undefined) throw blob.error
        assert.equal(sha256(blob.body), d.digest)
      }
      return refused
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if ((code !== 'ECONNRESET' && code !== 'EPIPE') || Date.now() > deadline) throw error
      refused++
      // Back off before trying again, as a real client does (this paces the retries, it synchronises nothing).
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

describe('registry server: bounded under load', { timeout: 4 * DEADLINE_MS }, () => {
  it(`keeps serving a normal client while ${CLIENTS} clients never read a large blob, with RSS and descriptors bounded`, async (t) => {
    const layout = await fixture(t, { kind: 'image', layerSize: LAYER_BYTES })
    const image = entryRef(layout) as Image
    const layer = image.manifest.layers[0]?.digest ?? ''
    const server = await startServer(t, layout.dir)
    const before = await status(server.pid)
    await stalledClients(t, server.url, CLIENTS, `GET /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\n\r\n`)
    const fds = await peakDescriptors(server.pid, normalPull(server.url, image))
    const after = await status(server.pid)
    t.diagnostic(`server peak RSS ${after.peakRssMiB.toFixed(0)} MiB, peak ${fds} descriptors (at start ${before.peakRssMiB.toFixed(0)} MiB, ${before.fds})`)
    // Each stalled transfer holds at most 2 MiB of a 64 MiB pool, and a blob file only while it holds buffers.
    assert.ok(after.peakRssMiB < before.peakRssMiB + 300, `peak RSS ${after.peakRssMiB} MiB`)
    assert.ok(fds < before.fds + CLIENTS + 100, `${fds} descriptors`)
  })

  it(`with a 1,024 open-file limit, refuses connections over the cap early and still serves a normal client among ${CLIENTS + 100} stalled ones`, async (t) => {
    const layout = await fixture(t, { kind: 'image', layerSize: LAYER_BYTES })
    const image = entryRef(layout) as Image
    const layer = image.manifest.layers[0]?.digest ?? ''
    const server = await startServer(t, layout.dir, 1024)
    const half = (CLIENTS + 100) / 2
    // Half never read a blob, half never finish their request's headers.
    await stalledClients(t, server.url, half, `GET /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\n\r\n`)
    await stalledClients(t, server.url, half, `GET /v2/app/manifests/latest HTTP/1.1\r\nHost: x\r\n`)
    const refused = await normalPull(server.url, image)
    const after = await status(server.pid)
    t.diagnostic(`server peak RSS ${after.peakRssMiB.toFixed(0)} MiB, ${after.fds} descriptors, normal client refused ${refused} times`)
    // Accept never failed: the cap kept descriptors below the limit.
    assert.ok(after.fds < 1024, `${after.fds} descriptors`)
    assert.doesNotMatch(server.stderr(), /EMFILE|ENFILE/)
  })
})
