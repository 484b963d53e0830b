// The fault matrix: blob files changed before or during a transfer, in every way a file can
// change under a running registry (a rebuild in bazel-bin, a broken symlink, a stray chmod).
// Whatever happens, no client may receive a complete 2xx body whose bytes differ from the
// digest, a wrong file is remembered (500, no bytes) until it changes, and GET and HEAD agree.

import assert from 'node:assert/strict'
import { chmod, mkdtemp, open, readFile, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises'
import { type IncomingMessage, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, it, type TestContext } from 'node:test'
import { readLayout } from '../../oci/layout.ts'
import type { Image } from '../../oci/ref.ts'
import { buildFixtureLayout } from '../../testing/index.ts'
import { RACY_MS } from './blob-files.ts'
import { type Download, download, entryRef, fixture, request, serve, sha256 } from '../../../test/support/server.ts'

/** Never a complete 2xx body with other bytes than the digest's (or, for a 206, than that range of the blob). */
function assertNoWrongBody(res: Download, digest: string, what: string): void {
  if (res.status === 200 && res.error === undefined) assert.equal(sha256(res.body), digest, `${what}: a complete 200 with wrong bytes`)
}

interface Fault {
  name: string
  /** Changes the blob file at `path` (`good` are its right bytes, `dir` is a scratch directory). */
  apply(path: string, good: Buffer, dir: string): Promise<void>
  /** Whether a transfer that was already reading the file may still end complete (it reads an open descriptor). */
  survivesDuring: boolean
}

function otherBytes(good: Buffer): Buffer {
  const other = Buffer.from(good)
  for (let i = other.length - 1024 * 1024; i < other.length; i += 4096) other[i] = (other[i] ?? 0) ^ 0xff
  return other
}

const FAULTS: Fault[] = [
  {
    name: 'a file with other bytes renamed over it',
    async apply(path, good, dir) {
      const temp = join(dir, `renamed-${Math.random()}`)
      await writeFile(temp, otherBytes(good))
      await rename(temp, path)
    },
    survivesDuring: true,
  },
  {
    name: 'its symlink swapped to a file with other bytes',
    async apply(path, good, dir) {
      const target = join(dir, `target-${Math.random()}`)
      await writeFile(target, otherBytes(good))
      const link = join(dir, `link-${Math.random()}`)
      await symlink(target, link)
      await rename(link, path)
    },
    survivesDuring: true,
  },
  {
    name: 'overwritten in place',
    async apply(path, good) {
      const handle = await open(path, 'r+')
      const other = otherBytes(good)
      const tail = good.length - 1024 * 1024
      await handle.write(other, tail, other.length - tail, tail)
      await handle.close()
    },
    survivesDuring: false,
  },
  {
    name: 'truncated',
    async apply(path, good) {
      await truncate(path, good.length / 2)
    },
    survivesDuring: false,
  },
  {
    name: 'replaced by a symlink to an outside file of the declared size',
    async apply(path, good, dir) {
      const outside = join(dir, `outside-${Math.random()}`)
      await writeFile(outside, Buffer.alloc(good.length, 'outside file, not a blob\n'))
      await rm(path)
      await symlink(outside, path)
    },
    survivesDuring: true,
  },
]

interface Blobs {
  url: string
  logs: string[]
  dir: string
  /** Layer digests, one per fault, with their files and right bytes. */
  layers: Array<{ digest: string; path: string; good: Buffer; request: string }>
}

/** An image with one large layer per fault; with `verified`, each was served once after it was old enough to be trusted (RACY_MS). */
async function blobsFor(t: TestContext, layerSize: number, verified: boolean): Promise<Blobs> {
  const layout = await fixture(t, { kind: 'image', layerSize, layerCount: FAULTS.length })
  const image = entryRef(layout) as Image
  const { registry, server, logs } = await serve(t)
  await registry.addRef('app', 'latest', image)
  const layers = await Promise.all(
    image.manifest.layers.map(async (d) => {
      const path = layout.store.blobPath(d.digest)
      return { digest: d.digest, path, good: await readFile(path), request: `/v2/app/blobs/${d.digest}` }
    }),
  )
  if (verified) {
    // A file changed less than RACY_MS before it was hashed is hashed again every time: wait until it is not (the clock, not another task).
    await delay(RACY_MS + 50)
    for (const layer of layers) {
      // The first GET hashes and records the file; the next ones read it without hashing, whole or in ranges.
      assert.equal(sha256((await request(server.url, layer.request)).body), layer.digest)
      const again = await download(server.url, layer.request)
      assert.equal(again.error, undefined)
      assert.equal(sha256(again.body), layer.digest)
      for (const [start, end] of [
        [0, 0],
        [1, 1024 * 1024],
        [1024 * 1024 - 1, 1024 * 1024],
        [layer.good.length - 10, layer.good.length - 1],
      ] as const) {
        const part = await request(server.url, layer.request, { headers: { range: `bytes=${start}-${end}` } })
        assert.deepEqual(part.body, layer.good.subarray(start, end + 1), `${start}-${end}`)
      }
    }
  }
  return { url: server.url, logs, dir: layout.dir, layers }
}

for (const verified of [false, true]) {
  const state = verified ? 'a verified blob' : 'a blob never served'
  describe(`registry server: faults before a transfer, on ${state}`, () => {
    it('never sends a complete wrong body, remembers the wrong file (500 on GET and HEAD, no bytes), and serves it again once fixed', async (t) => {
      const blobs = await blobsFor(t, 3 * 1024 * 1024, verified)
      for (const [i, fault] of FAULTS.entries()) {
        const layer = blobs.layers[i]
        assert.ok(layer)
        await fault.apply(layer.path, layer.good, blobs.dir)
        const first = await download(blobs.url, layer.request)
        assertNoWrongBody(first, layer.digest, fault.name)
        assert.ok(first.status === 500 || first.error !== undefined, `${fault.name}: ${first.status}, complete`)
        for (const method of ['GET', 'HEAD']) {
          for (const headers of [{}, { range: 'bytes=0-99' }] as Array<Record<string, string>>) {
            const again = await download(blobs.url, layer.request, { method, headers })
            assert.equal(again.status, 500, `${fault.name}: ${method} ${JSON.stringify(headers)} after it was found wrong`)
            assert.equal(again.headers['content-type'], 'application/json')
            assert.ok(!again.body.includes('outside file'), `${fault.name}: bytes of the wrong file went out`)
          }
        }
        await rm(layer.path)
        await writeFile(layer.path, layer.good)
        assert.equal(sha256((await request(blobs.url, layer.request)).body), layer.digest, `${fault.name}: fixed`)
      }
      assert.ok(!blobs.logs.some((l) => l.includes('internal error')), blobs.logs.join('\n'))
    })
  })

  describe(`registry server: faults during a transfer, on ${state}`, () => {
    it('ends each transfer complete with the right bytes, or broken: never complete with wrong ones', async (t) => {
      const blobs = await blobsFor(t, 32 * 1024 * 1024, verified)
      for (const [i, fault] of FAULTS.entries()) {
        const layer = blobs.layers[i]
        assert.ok(layer)
        const res = await downloadWhile(blobs.url, layer.request, () => fault.apply(layer.path, layer.good, blobs.dir))
        assertNoWrongBody(res, layer.digest, fault.name)
        if (!fault.survivesDuring) assert.ok(res.error !== undefined, `${fault.name}: the transfer must break`)
        // The next request sees the change.
        const next = await download(blobs.url, layer.request)
        assertNoWrongBody(next, layer.digest, `${fault.name} (next request)`)
        assert.ok(next.status === 500 || next.error !== undefined, `${fault.name}: the next request must not succeed`)
      }
    })
  })
}

/** A GET whose client reads the first chunk, then stops reading while `fault` runs, then reads the rest. */
function downloadWhile(base: string, path: string, fault: () => Promise<void>): Promise<Download> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path })
    req.on('error', reject)
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let error: Error | undefined
      res.once('data', (chunk: Buffer) => {
        chunks.push(chunk)
        res.pause()
        fault().then(
          () => {
            res.on('data', (c: Buffer) => chunks.push(c))
            res.resume()
          },
          (e: unknown) => reject(e),
        )
      })
      res.on('error', (e) => (error = e))
      res.on('close', () => {
        if (error === undefined && !res.complete) error = new Error('response incomplete')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error })
      })
    })
    req.end()
  })
}

describe('registry server: an unreadable blob (chmod 000)', () => {
  it('answers GET and HEAD alike with a 500 JSON error, and serves it again once readable', async (t) => {
    // Root reads any file: as root, the requests are made while the process runs as nobody
    // (seteuid applies to every thread, the file system ones too), like a CI user would.
    const dir = await mkdtemp(join(tmpdir(), 'localregistry-chmod-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    await chmod(dir, 0o755)
    const layoutDir = join(dir, 'layout')
    await buildFixtureLayout(layoutDir, { kind: 'image', layerSize: 3 * 1024 * 1024 })
    const image = entryRef(await readLayout(layoutDir)) as Image
    const layer = image.manifest.layers[0]?.digest ?? ''
    const path = join(layoutDir, 'blobs', 'sha256', layer.slice('sha256:'.length))
    const { registry, server, logs } = await serve(t)
    await registry.addRef('app', 'latest', image)
    await chmod(path, 0o000)
    const responses = await asUnprivileged(() => Promise.all(['GET', 'HEAD'].map((method) => download(server.url, `/v2/app/blobs/${layer}`, { method }))))
    for (const [i, res] of responses.entries()) {
      const method = i === 0 ? 'GET' : 'HEAD'
      assert.equal(res.error, undefined, `${method}: a response, not a closed connection`)
      assert.equal(res.status, 500, method)
      assert.equal(res.headers['content-type'], 'application/json', method)
    }
    assert.ok(
      logs.some((l) => l.includes(path) && l.includes('EACCES')),
      logs.join('\n'),
    )
    await chmod(path, 0o644)
    assert.equal(sha256((await request(server.url, `/v2/app/blobs/${layer}`)).body), layer)
  })
})

/** Runs `work` with the effective user nobody when this process runs as root (else as is). */
async function asUnprivileged<T>(work: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0 || process.seteuid === undefined) return work()
  process.seteuid(65534)
  try {
    return await work()
  } finally {
    process.seteuid(0)
  }
}
