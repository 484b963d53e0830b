import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type RequestListener } from 'node:http'
import { type AddressInfo, connect, createServer as createTcpServer } from 'node:net'
import { after, before, describe, type TestContext, test } from 'node:test'
import type { Descriptor } from '../../oci/descriptor.ts'
import { readLayout, selectEntry } from '../../oci/layout.ts'
import { type Ref, walkRefs } from '../../oci/ref.ts'
import { buildFixtureLayout, type FixtureKind, type FixtureResult } from '../../testing/index.ts'
import { AuthError, ContentMismatchError, RegistryConnectionError, RegistryProtocolError, RegistryResponseError, ResponseTooLargeError } from '../../errors.ts'
import { Authenticator, basicAuthorization, mayCarryCredentials, pullScope } from './auth.ts'
import { type ClientOptions, RegistryClient } from './client.ts'
import { pull } from './pull.ts'
import { printable } from '../../text/printable.ts'
import { errorBody, type FakeRegistry, type FakeRegistryOptions, startFakeRegistry } from '../../../test/support/fake-registry.ts'

const REPO = 'demo/app'
const FAST = { initialDelayMs: 5, maxDelayMs: 20 }

let root: string
const fixtures = new Map<string, FixtureResult>()

async function fixture(kind: FixtureKind, layerSize?: number): Promise<FixtureResult> {
  const key = `${kind}-${layerSize ?? ''}`
  let result = fixtures.get(key)
  if (result === undefined) {
    result = await buildFixtureLayout(join(root, `fixture-${key}`), { kind, name: key, ...(layerSize !== undefined && { layerSize }) })
    fixtures.set(key, result)
  }
  return result
}

let counter = 0
const target = (): string => join(root, `pulled-${++counter}`)

async function serve(kind: FixtureKind, options: Omit<FakeRegistryOptions, 'layoutDir' | 'repository'> = {}, layerSize?: number): Promise<FakeRegistry> {
  return startFakeRegistry({ layoutDir: (await fixture(kind, layerSize)).dir, repository: REPO, ...options })
}

function client(registry: FakeRegistry, options: Partial<ClientOptions> = {}): RegistryClient {
  return new RegistryClient({ host: registry.host, repository: REPO, scheme: 'http', retry: FAST, ...options })
}

/** Every blob file of a layout, by digest: pulled layouts must have exactly the source's. */
async function blobSet(dir: string): Promise<string[]> {
  const files = await readdir(join(dir, 'blobs', 'sha256'))
  return files.filter((f) => !f.startsWith('.')).sort()
}

/** An HTTP server at 127.0.0.1:PORT (returned), closed with every connection when the test ends, whatever happened. */
async function httpServer(t: TestContext, handler: RequestListener): Promise<number> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return (server.address() as AddressInfo).port
}

/** A listening port whose process never accepts, its accept queue full: a connect to it gets no answer (the SYN is dropped). */
async function unacceptingPort(t: TestContext): Promise<number> {
  const script = `
    const server = require('node:net').createServer()
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      process.stdout.write(server.address().port + '\\n')
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) // blocks: nothing is ever accepted
    })`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => child.kill('SIGKILL'))
  const [data] = (await once(child.stdout, 'data')) as [Buffer]
  const port = Number(data.toString().trim())
  // A backlog of 1 queues 2 connections; the kernel completes these handshakes by itself.
  for (let i = 0; i < 2; i++) {
    const filler = connect(port, '127.0.0.1')
    t.after(() => filler.destroy())
    await once(filler, 'connect')
  }
  return port
}

/** The first layer of a fixture image: its descriptor and bytes. */
async function firstLayer(source: FixtureResult): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
  const image = selectEntry(await readLayout(source.dir)).ref
  assert.equal(image.kind, 'image')
  const descriptor = image.manifest.layers[0] as Descriptor
  return { descriptor, bytes: await readFile(join(source.dir, 'blobs', 'sha256', descriptor.digest.slice('sha256:'.length))) }
}

async function assertSameContent(pulled: string, source: FixtureResult): Promise<void> {
  const layout = await readLayout(pulled)
  assert.equal(layout.entries.length, 1)
  assert.equal(layout.entries[0]?.ref.digest, source.digest)
  assert.deepEqual(await blobSet(pulled), await blobSet(source.dir))
}

const allDigests = async (ref: Ref): Promise<string[]> => {
  const digests: string[] = []
  await walkRefs(ref, (r) => {
    digests.push(r.digest)
  })
  return digests
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'localregistry-client-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('reading references', () => {
  test('by tag, by digest, and by tag verified against a digest', async () => {
    const source = await fixture('image')
    await using registry = await serve('image')
    await using c = client(registry)
    const byTag = await c.read({ tag: 'latest' })
    assert.equal(byTag.digest, source.digest)
    assert.equal(byTag.kind, 'image')
    const byDigest = await c.read({ digest: source.digest })
    assert.equal(byDigest.digest, source.digest)
    const both = await c.read({ tag: 'latest', digest: source.digest })
    assert.deepEqual(both.raw, byTag.raw)
    assert.equal(registry.requestsTo('/v2/demo/app/manifests/latest').length, 2)
    assert.match(
      String(registry.requests[0]?.headers.accept),
      /application\/vnd\.oci\.image\.index\.v1\+json.*application\/vnd\.docker\.distribution\.manifest\.v2\+json/,
    )
  })

  test('tag verified against the wrong digest is a ContentMismatchError, not retried', async () => {
    const other = await fixture('docker')
    await using registry = await serve('image')
    await using c = client(registry)
    await assert.rejects(c.read({ tag: 'latest', digest: other.digest }), (error: unknown) => {
      assert.ok(error instanceof ContentMismatchError)
      assert.match(error.message, new RegExp(other.digest))
      return true
    })
    assert.equal(registry.requests.length, 1)
  })

  test("by tag, content that differs from the registry's Docker-Content-Digest is a ContentMismatchError", async () => {
    const source = await fixture('image')
    const raw = selectEntry(await readLayout(source.dir)).ref.raw
    const claimed = `sha256:${'5'.repeat(64)}`
    await using registry = await startFakeRegistry({
      override: () => ({ status: 200, headers: { 'content-type': source.mediaType, 'docker-content-digest': claimed }, body: raw }),
    })
    await using c = client(registry)
    await assert.rejects(c.read({ tag: 'latest' }), (error: unknown) => {
      assert.ok(error instanceof ContentMismatchError, String(error))
      assert.match(error.message, new RegExp(`content has digest ${source.digest}, expected ${claimed}`))
      return true
    })
  })

  test('nested indexes are fetched lazily by digest, Docker media types from Content-Type', async () => {
    const nested = await fixture('nested')
    await using registry = await serve('nested')
    await using c = client(registry)
    const ref = await c.read({ tag: 'latest' })
    assert.equal(ref.kind, 'index')
    assert.equal(registry.requests.length, 1, 'children are not fetched before they are asked for')
    const digests = await allDigests(ref)
    assert.ok(digests.length >= 3)
    assert.equal(digests[0], nested.digest)
    for (const digest of digests.slice(1)) assert.equal(registry.requestsTo(`/v2/demo/app/manifests/${digest}`).length, 1)

    await using dockerRegistry = await serve('docker')
    await using d = client(dockerRegistry)
    const docker = await d.read({ tag: 'latest' })
    assert.equal(docker.mediaType, (await fixture('docker')).mediaType)
  })

  test('the media type falls back to the body when Content-Type is generic', async () => {
    const source = await fixture('index')
    // The index's bytes with a generic Content-Type: the body's mediaType decides.
    const layout = await readLayout(source.dir)
    const raw = layout.entries[0]?.ref.raw as Buffer
    await using registry = await startFakeRegistry({
      override: () => ({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: raw }),
    })
    await using c = client(registry)
    const ref = await c.read({ digest: source.digest })
    assert.equal(ref.mediaType, source.mediaType)
  })
})

describe('pull into a layout', () => {
  for (const kind of ['image', 'index', 'nested', 'docker', 'many-layers'] as const) {
    test(`${kind}: the pulled layout has the source's digests`, async () => {
      const source = await fixture(kind)
      await using registry = await serve(kind)
      const dir = target()
      const progress: number[] = []
      const result = await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST, onProgress: (p) => progress.push(p.blobsDone) })
      assert.deepEqual(result, { digest: source.digest, mediaType: source.mediaType })
      await assertSameContent(dir, source)
      const layout = await readLayout(dir)
      assert.equal(layout.entries[0]?.refName, 'latest')
      assert.ok(progress.length > 0)
    })
  }

  test('pulling by digest writes no ref name; pulling again fetches no blob', async () => {
    const source = await fixture('index')
    await using registry = await serve('index')
    const dir = target()
    await pull(`${registry.host}/${REPO}@${source.digest}`, dir, { retry: FAST })
    assert.equal((await readLayout(dir)).entries[0]?.refName, undefined)
    const blobRequests = registry.requestsTo('/v2/demo/app/blobs/').length
    let last = { blobsDone: 0, blobsTotal: 0, bytesDone: 0, bytesTotal: 0 }
    await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST, onProgress: (p) => (last = p) })
    assert.equal(registry.requestsTo('/v2/demo/app/blobs/').length, blobRequests)
    assert.equal(last.blobsDone, last.blobsTotal)
    assert.equal(last.bytesDone, last.bytesTotal)
  })

  test('platform selects one image of an index', async () => {
    await using registry = await serve('index')
    const dir = target()
    const result = await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST, platform: 'linux/arm64' })
    const layout = await readLayout(dir)
    assert.equal(layout.entries[0]?.ref.kind, 'image')
    assert.equal(layout.entries[0]?.descriptor.platform?.architecture, 'arm64')
    assert.equal(result.digest, layout.entries[0]?.ref.digest)
    await assert.rejects(
      pull(`${registry.host}/${REPO}:latest`, target(), { retry: FAST, platform: 'windows/amd64' }),
      /no image for platform windows\/amd64 \(it has: linux\/amd64/,
    )
  })
})

describe('transient failures', () => {
  test('the first request of every path answers 503: everything is retried and succeeds', async () => {
    const source = await fixture('index')
    await using registry = await serve('index', { failFirst: { status: 503, body: errorBody('UNAVAILABLE') } })
    const dir = target()
    await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST })
    await assertSameContent(dir, source)
    const paths = new Set(registry.requests.map((r) => r.url))
    for (const path of paths) assert.equal(registry.requests.filter((r) => r.url === path).length, 2, path)
  })

  test('Retry-After longer than the backoff is honoured', async () => {
    await using registry = await serve('image', { failFirst: { status: 503, headers: { 'retry-after': '1' } } })
    await using c = client(registry, { retry: { initialDelayMs: 1, maxDelayMs: 1 } })
    const started = Date.now()
    await c.read({ tag: 'latest' })
    assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`)
  })

  test('Retry-After as an HTTP-date is honoured too', async () => {
    // The date is made when the server answers (after `started`): an HTTP-date has whole
    // seconds, so "in 2 s" is between 1 and 2 s after the answer, however long set-up took.
    await using registry = await serve('image', {
      override: (_r, count) => (count === 1 ? { status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } } : undefined),
    })
    await using c = client(registry, { retry: { initialDelayMs: 1, maxDelayMs: 1 } })
    const started = Date.now()
    await c.read({ tag: 'latest' })
    assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`)
  })

  test("Retry-After beyond the deadline fails fast with the server's error", async () => {
    await using registry = await serve('image', {
      failFirst: { status: 503, headers: { 'retry-after': '30' }, body: errorBody('UNAVAILABLE', 'down for maintenance') },
    })
    await using c = client(registry, { timeout: 5000 })
    const started = Date.now()
    await assert.rejects(c.read({ tag: 'latest' }), (error: unknown) => {
      assert.ok(error instanceof RegistryResponseError)
      assert.equal(error.status, 503)
      assert.equal(error.retryable, true)
      assert.equal(error.registryCode, 'UNAVAILABLE')
      assert.ok(error.retryAfter instanceof Date)
      assert.match(error.message, /HTTP 503.*down for maintenance/)
      return true
    })
    // Waiting out the 30 s, or sleeping until the 5 s deadline, would take seconds.
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`)
    assert.equal(registry.requests.length, 1)
  })

  test('an abort during a backoff wait ends the read at once', async () => {
    await using registry = await serve('image', { failFirst: { status: 503, headers: { 'retry-after': '60' } } })
    const controller = new AbortController()
    await using c = client(registry, { signal: controller.signal })
    const started = Date.now()
    setTimeout(() => controller.abort(new Error('user pressed ^C')), 100)
    await assert.rejects(c.read({ tag: 'latest' }), /user pressed \^C/)
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms: the 60 s wait was not cut short`)
  })

  test('an abort during a blob backoff ends the pull at once and leaves no layout', async () => {
    await using registry = await serve('image', {
      override: (r, count) => (r.url.includes('/blobs/') && count === 1 ? { status: 503, headers: { 'retry-after': '60' } } : undefined),
    })
    const controller = new AbortController()
    const dir = target()
    const started = Date.now()
    setTimeout(() => controller.abort(new Error('stop')), 200)
    await assert.rejects(pull(`${registry.host}/${REPO}:latest`, dir, { signal: controller.signal, retry: FAST }), /stop/)
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms: the 60 s wait was not cut short`)
    await assert.rejects(readdir(dir), { code: 'ENOENT' })
    assert.deepEqual(
      (await readdir(root)).filter((f) => f.startsWith('.')),
      [],
    )
  })

  test('the deadline also ends a request the server never answers', async (t) => {
    const port = await httpServer(t, () => {}) // accepts, never answers
    await using c = new RegistryClient({ host: `127.0.0.1:${port}`, repository: REPO, scheme: 'http', timeout: 300 })
    const started = Date.now()
    await assert.rejects(c.read({ tag: 'latest' }), { name: 'DeadlineError', code: 'ERR_LOCALREGISTRY_DEADLINE', message: /deadline/ })
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`)
  })

  test('404, 401 and 429 are classified: only 429 is retried', async () => {
    const statuses: Record<string, number> = { '/v2/demo/app/manifests/missing': 404, '/v2/demo/app/manifests/secret': 401, '/v2/demo/app/manifests/busy': 429 }
    await using registry = await serve('image', {
      override: (r) => {
        const status = statuses[r.url]
        return status === undefined
          ? undefined
          : {
              status,
              headers: { 'content-type': 'application/json' },
              body: errorBody(status === 404 ? 'MANIFEST_UNKNOWN' : status === 401 ? 'UNAUTHORIZED' : 'TOOMANYREQUESTS'),
            }
      },
    })
    await using c = client(registry, { retry: { ...FAST, maxAttempts: 3 } })
    const expect = async (tag: string, status: number, code: string, retryable: boolean, requests: number): Promise<void> => {
      await assert.rejects(c.read({ tag }), (error: unknown) => {
        assert.ok(error instanceof RegistryResponseError, String(error))
        assert.equal(error.status, status)
        assert.equal(error.registryCode, code)
        assert.equal(error.retryable, retryable)
        return true
      })
      assert.equal(registry.requestsTo(`/v2/demo/app/manifests/${tag}`).length, requests, tag)
    }
    await expect('missing', 404, 'MANIFEST_UNKNOWN', false, 1)
    await expect('secret', 401, 'UNAUTHORIZED', false, 1)
    await expect('busy', 429, 'TOOMANYREQUESTS', true, 3)
  })

  test('connection refused is retried, then reported without secrets', async () => {
    const registry = await serve('image')
    await registry.close()
    await using c = new RegistryClient({ host: registry.host, repository: REPO, scheme: 'http', retry: { ...FAST, maxAttempts: 2 } })
    await assert.rejects(c.read({ tag: 'latest' }), /GET http:\/\/127\.0\.0\.1:\d+\/v2\/demo\/app\/manifests\/latest failed: .*ECONNREFUSED/)
  })
})

describe('blob transfers', () => {
  const LAYER = 256 * 1024

  test('a body cut mid-way is resumed with Range from where it stopped', async () => {
    const source = await fixture('image', LAYER)
    const { descriptor } = await firstLayer(source)
    await using registry = await serve('image', { cutBlobsAt: 100_000 }, LAYER)
    const dir = target()
    await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST })
    await assertSameContent(dir, source)
    // Only the layer is longer than the cut; every byte before it was kept.
    assert.deepEqual(
      registry.requests.filter((r) => r.headers.range !== undefined).map((r) => [r.url, r.headers.range]),
      [[`/v2/${REPO}/blobs/${descriptor.digest}`, 'bytes=100000-']],
    )
  })

  test('bytes that arrived before the consumer reads are kept when the connection breaks', async () => {
    const source = await fixture('image', LAYER)
    const { descriptor, bytes } = await firstLayer(source)
    let cutClosed = (): void => {}
    const closed = new Promise<void>((resolve) => (cutClosed = resolve))
    await using registry = await serve('image', { cutBlobsAt: 100_000, onCutClosed: () => cutClosed() }, LAYER)
    await using c = client(registry)
    const stream = await c.source.openBlob(descriptor)
    await closed // the client has seen the break, and nobody has read a byte yet
    assert.deepEqual(Buffer.concat(await stream.toArray()), bytes)
    assert.deepEqual(
      registry.requestsTo(`/v2/${REPO}/blobs/`).map((r) => r.headers.range),
      [undefined, 'bytes=100000-'],
    )
  })

  test('a registry that cuts every connection after 1 or 1,000 bytes is given up on, saying so; cuts after 64 KiB or more are resumed to the end', async () => {
    const source = await fixture('image', LAYER)
    const { descriptor } = await firstLayer(source)
    for (const cut of [1, 1000]) {
      await using registry = await serve('image', { cutBlobsAt: cut, cutEveryBlobResponse: true }, LAYER)
      const dir = target()
      let failed = ''
      // The timeout only bounds the test on a client that would resume forever.
      await assert.rejects(pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST, timeout: 60_000 }), (error: unknown) => {
        assert.ok(error instanceof RegistryConnectionError && !error.retryable, String(error))
        assert.match(error.message, /gave up after 6 connections in a row broke, each after less than 65536 new bytes: the registry keeps cutting/)
        failed = /^blob (sha256:[0-9a-f]{64}) from /.exec(error.message)?.[1] ?? assert.fail(error.message)
        return true
      })
      assert.equal(registry.requestsTo(`/v2/${REPO}/blobs/${failed}`).length, 6, `cut after ${cut}`)
      await assert.rejects(readdir(dir), { code: 'ENOENT' })
    }
    await using flaky = await serve('image', { cutBlobsAt: 64 * 1024, cutEveryBlobResponse: true }, LAYER)
    const dir = target()
    await pull(`${flaky.host}/${REPO}:latest`, dir, { retry: { ...FAST, maxAttempts: 2 } })
    await assertSameContent(dir, source)
    assert.equal(flaky.requestsTo(`/v2/${REPO}/blobs/${descriptor.digest}`).length, Math.ceil(descriptor.size / (64 * 1024)))
  })

  test('a server that ignores Range answers 200: the bytes already read are skipped', async () => {
    const source = await fixture('image', LAYER)
    await using registry = await serve('image', { cutBlobsAt: 100_000, ignoreRange: true }, LAYER)
    const dir = target()
    await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST })
    await assertSameContent(dir, source)
    assert.ok(registry.requests.some((r) => r.headers.range !== undefined))
  })

  test('a 206 for the wrong range is a protocol error, never spliced in', async () => {
    await using registry = await serve('image', { cutBlobsAt: 100_000, badContentRange: 'bytes 0-10/11' }, LAYER)
    const dir = target()
    await assert.rejects(pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST }), RegistryProtocolError)
    await assert.rejects(readdir(dir), { code: 'ENOENT' })
  })

  test('corrupted bytes are a verification error naming the digest, not retried', async () => {
    await using registry = await serve('image', { corruptBlobs: true })
    const dir = target()
    await assert.rejects(pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST }), (error: unknown) => {
      assert.ok(error instanceof ContentMismatchError, String(error))
      assert.match(error.message, /sha256:[0-9a-f]{64}/)
      return true
    })
    const perPath = new Map<string, number>()
    for (const r of registry.requestsTo('/v2/demo/app/blobs/')) perPath.set(r.url, (perPath.get(r.url) ?? 0) + 1)
    assert.ok(perPath.size >= 1)
    for (const [path, count] of perPath) assert.equal(count, 1, path)
    await assert.rejects(readdir(dir), { code: 'ENOENT' })
  })

  // The layout writer does not hash a source's blob again (openBlob's streams are verified by
  // the ContentSource contract), so these prove the registry source alone keeps wrong bytes out.
  describe('a corrupted blob is rejected by the source, whatever the layout writer does', () => {
    const BIG = 3 * 1024 * 1024 + 123 // many socket chunks, more than the blob stream buffers

    const layer = async (): Promise<{ descriptor: Descriptor; bytes: Buffer }> => firstLayer(await fixture('image', BIG))

    const variants: Array<[string, (bytes: Buffer) => Buffer]> = [
      ['its last byte flipped', (bytes) => Buffer.concat([bytes.subarray(0, -1), Buffer.from([(bytes.at(-1) ?? 0) ^ 0xff])])],
      ['one byte too many', (bytes) => Buffer.concat([bytes, Buffer.from('x')])],
      ['one byte too few', (bytes) => bytes.subarray(0, -1)],
    ]
    for (const [name, corrupt] of variants) {
      test(`${name}: openBlob's stream fails before delivering the whole blob, and pull leaves nothing`, async () => {
        const { descriptor, bytes } = await layer()
        const body = corrupt(bytes)
        const override = (request: { url: string }): { status: number; headers: Record<string, string>; body: Buffer } | undefined =>
          request.url.endsWith(`/blobs/${descriptor.digest}`) ? { status: 200, headers: { 'content-type': 'application/octet-stream' }, body } : undefined
        await using registry = await serve('image', { override }, BIG)

        await using c = client(registry, { retry: { ...FAST, maxAttempts: 1 } })
        let received = 0
        await assert.rejects(
          async () => {
            for await (const chunk of await c.source.openBlob(descriptor)) received += (chunk as Buffer).length
          },
          (error: unknown) => error instanceof ContentMismatchError || (error instanceof RegistryConnectionError && name === 'one byte too few'),
        )
        assert.ok(received < descriptor.size, `${received} of ${descriptor.size} bytes delivered`)

        const dir = target()
        await assert.rejects(pull(`${registry.host}/${REPO}:latest`, dir, { retry: { ...FAST, maxAttempts: 1 } }), (error: unknown) => {
          assert.ok(error instanceof ContentMismatchError || error instanceof RegistryConnectionError, String(error))
          assert.match((error as Error).message, new RegExp(descriptor.digest.slice('sha256:'.length)))
          return true
        })
        await assert.rejects(readdir(dir), { code: 'ENOENT' })
      })
    }
  })

  test('openBlob of a missing blob rejects with 404 (not a stream error)', async () => {
    await using registry = await serve('image')
    await using c = client(registry)
    await assert.rejects(c.source.openBlob({ mediaType: 'application/octet-stream', digest: `sha256:${'0'.repeat(64)}`, size: 3 }), (error: unknown) => {
      assert.ok(error instanceof RegistryResponseError)
      assert.equal(error.status, 404)
      assert.equal(error.registryCode, 'BLOB_UNKNOWN')
      return true
    })
  })
})

describe('limits', () => {
  const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20)

  test('an oversize manifest (by Content-Length) is refused before reading', async () => {
    await using registry = await startFakeRegistry({
      override: () => ({ status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: big }),
    })
    await using c = client(registry)
    await assert.rejects(c.read({ tag: 'latest' }), ResponseTooLargeError)
    assert.equal(registry.requests.length, 1)
  })

  test('an oversize manifest without Content-Length is cut off while counting', async (t) => {
    let sent = 0
    const port = await httpServer(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' })
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const write = (): void => {
        while (sent < 64 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length
          if (!res.write(chunk)) {
            res.once('drain', write)
            return
          }
        }
        res.end()
      }
      write()
    })
    await using c = new RegistryClient({ host: `127.0.0.1:${port}`, repository: REPO, scheme: 'http', retry: FAST })
    await assert.rejects(c.read({ tag: 'latest' }), ResponseTooLargeError)
    assert.ok(sent < 32 * 1024 * 1024, `server sent ${sent} bytes`)
  })

  test('a manifest longer than its descriptor is a mismatch', async () => {
    const source = await fixture('index')
    const layout = await readLayout(source.dir)
    const index = layout.entries[0]?.ref
    assert.ok(index?.kind === 'index')
    const child = index.children[0]
    assert.ok(child !== undefined)
    await using registry = await serve('index', {
      override: (r) =>
        r.url.endsWith(child.digest) ? { status: 200, headers: { 'content-type': child.mediaType }, body: Buffer.alloc(child.size + 10, 0x20) } : undefined,
    })
    await using c = client(registry)
    const ref = await c.read({ tag: 'latest' })
    assert.ok(ref.kind === 'index')
    await assert.rejects(ref.child(child), ContentMismatchError)
  })

  test('a child manifest of the right size with other bytes is a mismatch (RegistrySource verifies what readRef trusts)', async () => {
    const source = await fixture('index')
    const index = selectEntry(await readLayout(source.dir)).ref
    assert.ok(index.kind === 'index')
    const child = index.children[0]
    assert.ok(child !== undefined)
    await using registry = await serve('index', {
      override: (r) =>
        r.url.endsWith(child.digest) ? { status: 200, headers: { 'content-type': child.mediaType }, body: Buffer.alloc(child.size, 0x20) } : undefined,
    })
    await using c = client(registry)
    const ref = await c.read({ tag: 'latest' })
    assert.ok(ref.kind === 'index')
    await assert.rejects(ref.child(child), (error: unknown) => error instanceof ContentMismatchError && error.message.includes(`expected ${child.digest}`))
  })
})

describe('nothing hangs', () => {
  test('a blob body that stalls mid-way is aborted after the idle timeout and resumed with Range', { timeout: 60_000 }, async () => {
    const source = await fixture('image', 256 * 1024)
    const { descriptor } = await firstLayer(source)
    // The headers and the first 50,000 bytes go out in one write, then nothing.
    await using registry = await serve('image', { stallBlobsAt: 50_000 }, 256 * 1024)
    const dir = target()
    await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST, idleTimeout: 300 })
    await assertSameContent(dir, source)
    assert.deepEqual(
      registry.requests.filter((r) => r.headers.range !== undefined).map((r) => [r.url, r.headers.range]),
      [[`/v2/${REPO}/blobs/${descriptor.digest}`, 'bytes=50000-']],
    )
  })

  test('a server that never sends headers is abandoned after the idle timeout, each attempt', { timeout: 60_000 }, async (t) => {
    let requests = 0
    const port = await httpServer(t, () => requests++) // accepts, never answers
    await using c = new RegistryClient({ host: `127.0.0.1:${port}`, repository: REPO, scheme: 'http', idleTimeout: 200, retry: { ...FAST, maxAttempts: 2 } })
    await assert.rejects(c.read({ tag: 'latest' }), (error: unknown) => {
      assert.ok(error instanceof RegistryConnectionError, String(error))
      assert.match(error.message, /UND_ERR_HEADERS_TIMEOUT/)
      return true
    })
    assert.equal(requests, 2)
  })

  test('a connection that cannot open fails after the connect timeout', { timeout: 60_000 }, async (t) => {
    const port = await unacceptingPort(t)
    const started = Date.now()
    await using c = new RegistryClient({ host: `127.0.0.1:${port}`, repository: REPO, scheme: 'http', connectTimeout: 200, retry: { ...FAST, maxAttempts: 2 } })
    await assert.rejects(c.read({ tag: 'latest' }), (error: unknown) => {
      assert.ok(error instanceof RegistryConnectionError, String(error))
      assert.match(error.message, /UND_ERR_CONNECT_TIMEOUT/)
      return true
    })
    // undici's own default would wait 10 s per attempt.
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`)
  })

  test('with the token service down, each attempt fetches the token once: retries do not multiply', async (t) => {
    let connections = 0
    const down = createTcpServer((socket) => {
      connections++
      socket.destroy()
    })
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve))
    t.after(() => down.close())
    const realm = `http://127.0.0.1:${(down.address() as { port: number }).port}/token`
    await using registry = await serve('image', { bearer: { service: 'fake-registry', token: 'tok', realm } })
    await using c = client(registry, { retry: { ...FAST, maxAttempts: 3 } })
    await assert.rejects(c.read({ tag: 'latest' }), RegistryConnectionError)
    assert.equal(registry.requestsTo(`/v2/${REPO}/manifests/latest`).length, 3)
    assert.equal(connections, 3, 'one token request per attempt')
  })

  // The message carries the registry's text as sent; it is made printable where it is printed
  // (cli/main.ts reportError; main.test.ts pins what the terminal gets).
  test("a registry's error message is passed on as sent, and printable() strips its control characters", async () => {
    const hostile = 'denied \u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eevil\r\nsecond line'
    await using registry = await startFakeRegistry({
      override: () => ({
        status: 403,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ errors: [{ code: 'DENIED\u001b[5m', message: hostile }] }),
      }),
    })
    await using c = client(registry)
    await assert.rejects(c.read({ tag: 'latest' }), (error: unknown) => {
      assert.ok(error instanceof RegistryResponseError)
      assert.ok(error.message.endsWith(`HTTP 403: DENIED\u001b[5m: ${hostile}`), error.message)
      assert.match(printable(error.message), /HTTP 403: DENIED\[5m: denied \[2J\]0;pwned31mevilsecond line$/)
      return true
    })
  })
})

describe('auth and redirects', () => {
  const BEARER = { service: 'fake-registry', token: 'tok-3n8x' }

  test('Bearer: token fetched with service and scope, cached, used for every request', async () => {
    const source = await fixture('index')
    await using registry = await serve('index', { bearer: BEARER })
    const dir = target()
    await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST })
    await assertSameContent(dir, source)
    assert.equal(registry.requestsTo('/token').length, 1)
    const denied = registry.requests.filter((r) => r.headers.authorization === undefined && r.url.startsWith('/v2/'))
    assert.equal(denied.length, 1, 'only the first request goes without a token')
  })

  test('Bearer with Basic credentials for the token service; wrong ones fail without leaking them', async () => {
    const credentials = { username: 'puller', password: 'hunter2-pw' }
    await using registry = await serve('image', { bearer: { ...BEARER, credentials } })
    await using good = client(registry, { credentials })
    await good.read({ tag: 'latest' })
    await using bad = client(registry, { credentials: { username: 'puller', password: 'wrong-pw' } })
    await assert.rejects(bad.read({ tag: 'latest' }), (error: unknown) => {
      assert.ok(error instanceof RegistryResponseError, String(error))
      assert.equal(error.status, 401)
      assert.match(error.message, /\/token\?service=fake-registry&scope=repository%3Ademo%2Fapp%3Apull/)
      for (const secret of ['wrong-pw', 'hunter2', 'tok-3n8x', Buffer.from('puller:wrong-pw').toString('base64')])
        assert.ok(!error.message.includes(secret), secret)
      return true
    })
  })

  test('an expired token is fetched again once', async () => {
    await using registry = await serve('image', { bearer: BEARER })
    await using c = client(registry)
    await c.read({ tag: 'latest' })
    // The registry rotates its token: the cached one is rejected, a new one is fetched, the request repeated once.
    BEARER.token = 'tok-rotated'
    try {
      await c.read({ tag: 'latest' })
    } finally {
      BEARER.token = 'tok-3n8x'
    }
    assert.equal(registry.requestsTo('/token').length, 2)
  })

  test('Basic challenge answered with the given credentials; without credentials an AuthError', async () => {
    const credentials = { username: 'u', password: 'p4ss' }
    await using registry = await serve('image', { basic: credentials })
    await using c = client(registry, { credentials })
    await c.read({ tag: 'latest' })
    await using anonymous = client(registry)
    await assert.rejects(anonymous.read({ tag: 'latest' }), AuthError)
  })

  test('a credentials provider is asked only when a registry challenges, and then only once', async () => {
    const credentials = { username: 'u', password: 'p4ss' }
    let asked = 0
    const provider = async () => (asked++, credentials)
    await using open = await serve('image')
    await using unasked = client(open, { credentials: provider })
    await unasked.read({ tag: 'latest' })
    assert.equal(asked, 0)
    // Two scopes, so neither answer comes from the other's cache.
    const auth = new Authenticator({ credentials: provider, fetchToken: () => Promise.reject(new Error('no tokens here')) })
    const header = basicAuthorization(credentials)
    assert.equal(await auth.respond('Basic realm="r"', pullScope('a'), new URL('https://r.example')), header)
    assert.equal(await auth.respond('Basic realm="r"', pullScope('b'), new URL('https://r.example')), header)
    assert.equal(asked, 1)
  })

  test('credentials go in clear text only to this machine or to a plain-HTTP registry on the same host', () => {
    const cases: Array<[realm: string, registry: string, allowed: boolean]> = [
      ['https://auth.example/token', 'https://registry.example', true],
      ['https://auth.example/token', 'http://registry.example', true],
      ['http://127.0.0.1:9000/token', 'https://registry.example', true],
      ['http://[::1]:9000/token', 'https://registry.example', true],
      ['http://localhost/token', 'https://registry.example', true],
      ['http://registry.example:8080/token', 'http://registry.example:5000', true],
      ['http://198.18.0.2:8443/token', 'https://198.18.0.1', false],
      ['http://registry.example/token', 'https://registry.example', false],
      ['http://auth.example/token', 'http://registry.example', false],
    ]
    for (const [realm, registry, allowed] of cases) assert.equal(mayCarryCredentials(new URL(realm), new URL(registry)), allowed, `${realm} for ${registry}`)
  })

  test('a malformed challenge is an AuthError', async () => {
    await using registry = await startFakeRegistry({ override: () => ({ status: 401, headers: { 'www-authenticate': 'Bearer realm="unterminated' } }) })
    await using c = client(registry)
    await assert.rejects(c.read({ tag: 'latest' }), /malformed WWW-Authenticate/)
  })

  test('every path redirected cross-origin: content arrives, Authorization stays home', async () => {
    const source = await fixture('index')
    await using storage = await serve('index')
    await using registry = await serve('index', { bearer: BEARER, redirectTo: storage.url })
    const dir = target()
    await pull(`${registry.host}/${REPO}:latest`, dir, { retry: FAST })
    await assertSameContent(dir, source)
    assert.ok(storage.requests.length > 0)
    for (const r of storage.requests) assert.equal(r.headers.authorization, undefined, r.url)
    assert.ok(registry.requests.some((r) => r.headers.authorization === `Bearer ${BEARER.token}`))
  })

  test('errors after a redirect name the storage URL redacted', async () => {
    await using storage = await startFakeRegistry({ override: () => ({ status: 403, body: 'AccessDenied for s3cr3t-signature' }) })
    await using registry = await serve('image', { redirectTo: storage.url })
    await using c = client(registry, { credentials: { username: 'u', password: 'pw-x' } })
    await assert.rejects(c.read({ tag: 'latest' }), (error: unknown) => {
      assert.ok(error instanceof RegistryResponseError)
      assert.equal(error.status, 403)
      assert.match(error.message, new RegExp(`${storage.url}/v2/demo/app/manifests/latest\\?X-Signature=REDACTED&scope=repository%3Ax%3Apull`))
      assert.ok(!error.message.includes('s3cr3t'))
      return true
    })
  })

  test('a failing token service does not echo its body', async () => {
    await using registry = await serve('image', {
      bearer: BEARER,
      override: (r) =>
        r.url.startsWith('/token') ? { status: 500, body: '{"token":"leaked-token-value","errors":[{"code":"UNKNOWN","message":"boom"}]}' } : undefined,
    })
    await using c = client(registry, { retry: { ...FAST, maxAttempts: 2 } })
    await assert.rejects(c.read({ tag: 'latest' }), (error: unknown) => {
      assert.ok(error instanceof RegistryResponseError)
      assert.equal(error.status, 500)
      assert.ok(!error.message.includes('leaked-token-value'))
      return true
    })
  })
})
