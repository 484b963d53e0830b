import assert from 'node:assert/strict'
import { chmod, cp, link, mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { readLayout } from '../../oci/layout.ts'
import { LayoutWriter } from '../../oci/layout-writer.ts'
import { LayoutStore } from '../../oci/layout-store.ts'
import * as mt from '../../oci/media-types.ts'
import type { Image } from '../../oci/ref.ts'
import { computeDigest } from '../../oci/digest.ts'
import { makeTempDir } from '../../../test/support/temp-dir.ts'
import { writeImageLackingLayers, writeJsonBlob } from '../../../test/support/layouts.ts'
import { BlobFiles } from './blob-files.ts'
import type { FileBlob } from '../../content/registry.ts'
import { download, entryRef, errorCode, fixture, request, serve, sha256, type Served } from '../../../test/support/server.ts'

interface BlobUnderTest {
  served: Served
  path: string
  digest: string
  bytes: Buffer
  /** The blob file, for file blobs. */
  file: string | undefined
}

/** An image in repository "app" with one layer of `size` bytes, served from its file. */
async function fileBlob(t: TestContext, layerSize = 100_000): Promise<BlobUnderTest> {
  const layout = await fixture(t, { kind: 'image', layerSize })
  const image = entryRef(layout) as Image
  const served = await serve(t)
  await served.registry.addRef('app', 'latest', image)
  const layer = image.manifest.layers[0]
  assert.ok(layer)
  const file = layout.store.blobPath(layer.digest)
  return { served, path: `/v2/app/blobs/${layer.digest}`, digest: layer.digest, bytes: await readFile(file), file }
}

/** An image whose layer is embedded in the manifest's descriptor (data field) and has no file. */
async function memoryBlob(t: TestContext): Promise<BlobUnderTest> {
  const dir = (await makeTempDir('test-', t)).join('embedded')
  const writer = await LayoutWriter.open(dir)
  const config = await writeJsonBlob(writer, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, mt.OCI_CONFIG)
  const bytes = Buffer.from('embedded layer bytes: 0123456789abcdefghijklmnopqrstuvwxyz\n'.repeat(3))
  const layer = { mediaType: 'text/plain', digest: computeDigest(bytes), size: bytes.length, data: bytes.toString('base64') }
  const manifest = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: mt.OCI_MANIFEST, config, layers: [layer] }, mt.OCI_MANIFEST)
  await writer.commit([manifest])
  const layout = await readLayout(dir)
  const served = await serve(t)
  await served.registry.addRef('app', 'latest', entryRef(layout))
  await assert.rejects(stat(new LayoutStore(dir).blobPath(layer.digest)), 'the embedded layer must have no file')
  return { served, path: `/v2/app/blobs/${layer.digest}`, digest: layer.digest, bytes, file: undefined }
}

const smallFileBlob = (t: TestContext): Promise<BlobUnderTest> => fileBlob(t, 1000)

for (const [kind, make] of [
  ['file', fileBlob],
  ['small file', smallFileBlob],
  ['embedded', memoryBlob],
] as const) {
  describe(`registry server: ${kind} blobs`, () => {
    it('serves the blob with exact headers; HEAD has the same headers and no body', async (t) => {
      const b = await make(t)
      const get = await request(b.served.server.url, b.path)
      assert.equal(get.status, 200)
      assert.deepEqual(get.body, b.bytes)
      assert.equal(get.headers['content-type'], 'application/octet-stream')
      assert.equal(get.headers['content-length'], String(b.bytes.length))
      assert.equal(get.headers['docker-content-digest'], b.digest)
      assert.equal(get.headers.etag, `"${b.digest}"`)
      assert.equal(get.headers['accept-ranges'], 'bytes')
      assert.equal(get.headers['x-content-type-options'], 'nosniff')
      assert.equal(get.headers['docker-distribution-api-version'], 'registry/2.0')
      assert.equal(get.headers['last-modified'], undefined)
      assert.equal(get.headers['content-range'], undefined)
      // The request log counts the body bytes sent: all of them for a GET, none for a HEAD, the range for a 206.
      await b.served.logged((l) => l.startsWith(`GET ${b.path} 200 ${b.bytes.length} `))
      await request(b.served.server.url, b.path, { method: 'HEAD' })
      await b.served.logged((l) => l.startsWith(`HEAD ${b.path} 200 0 `))
      await request(b.served.server.url, b.path, { headers: { range: 'bytes=2-11' } })
      await b.served.logged((l) => l.startsWith(`GET ${b.path} 206 10 `))
      const head = await request(b.served.server.url, b.path, { method: 'HEAD' })
      assert.equal(head.status, 200)
      assert.equal(head.body.length, 0)
      for (const name of [
        'content-type',
        'content-length',
        'docker-content-digest',
        'etag',
        'accept-ranges',
        'x-content-type-options',
        'docker-distribution-api-version',
      ]) {
        assert.equal(head.headers[name], get.headers[name], name)
      }
    })

    it('answers Range requests: a-b, a-, -n, clamped ends, merged ranges; HEAD too', async (t) => {
      const b = await make(t)
      const size = b.bytes.length
      const cases: Array<[string, number, number]> = [
        ['bytes=0-9', 0, 9],
        ['bytes=10-19', 10, 19],
        [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
        ['bytes=5-', 5, size - 1],
        ['bytes=-7', size - 7, size - 1],
        [`bytes=-${size + 100}`, 0, size - 1],
        [`bytes=3-${size + 1000}`, 3, size - 1],
        ['bytes=0-4,5-9', 0, 9],
        ['bytes= 2-6', 2, 6],
      ]
      for (const [range, start, end] of cases) {
        const res = await request(b.served.server.url, b.path, { headers: { range } })
        assert.equal(res.status, 206, range)
        assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${size}`, range)
        assert.equal(res.headers['content-length'], String(end - start + 1), range)
        assert.equal(res.headers['docker-content-digest'], b.digest)
        assert.deepEqual(res.body, b.bytes.subarray(start, end + 1), range)
        const head = await request(b.served.server.url, b.path, { method: 'HEAD', headers: { range } })
        assert.equal(head.status, 206)
        assert.equal(head.headers['content-range'], `bytes ${start}-${end}/${size}`)
        assert.equal(head.body.length, 0)
      }
    })

    it('answers unsatisfiable ranges with 416 and Content-Range: bytes */size', async (t) => {
      const b = await make(t)
      const size = b.bytes.length
      for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0', 'bytes=9-3']) {
        const res = await request(b.served.server.url, b.path, { headers: { range } })
        assert.equal(res.status, 416, range)
        assert.equal(res.headers['content-range'], `bytes */${size}`)
        assert.equal(res.headers['content-type'], 'application/json')
        assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0')
        assert.equal(errorCode(res), 'UNSUPPORTED')
      }
    })

    it('serves the whole blob for Range headers it must ignore (malformed, other units, disjoint ranges)', async (t) => {
      const b = await make(t)
      for (const range of ['bytes=abc', 'bytes=1', 'items=0-5', 'bytes=0-1,10-11', 'nonsense']) {
        const res = await request(b.served.server.url, b.path, { headers: { range } })
        assert.equal(res.status, 200, range)
        assert.deepEqual(res.body, b.bytes, range)
      }
    })

    it('honours If-Range: our ETag gives the range, another ETag or a date gives the whole blob', async (t) => {
      const b = await make(t)
      const range = 'bytes=0-3'
      const same = await request(b.served.server.url, b.path, { headers: { range, 'if-range': `"${b.digest}"` } })
      assert.equal(same.status, 206)
      assert.deepEqual(same.body, b.bytes.subarray(0, 4))
      for (const ifRange of ['"sha256:other"', 'Wed, 21 Oct 2015 07:28:00 GMT']) {
        const res = await request(b.served.server.url, b.path, { headers: { range, 'if-range': ifRange } })
        assert.equal(res.status, 200, ifRange)
        assert.deepEqual(res.body, b.bytes)
      }
    })

    it('answers If-None-Match with our ETag with 304 and no body', async (t) => {
      const b = await make(t)
      for (const value of [`"${b.digest}"`, `W/"${b.digest}"`, '*']) {
        const res = await request(b.served.server.url, b.path, { headers: { 'if-none-match': value } })
        assert.equal(res.status, 304, value)
        assert.equal(res.body.length, 0)
        assert.equal(res.headers.etag, `"${b.digest}"`)
        assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0')
      }
      assert.equal((await request(b.served.server.url, b.path, { headers: { 'if-none-match': '"x"' } })).status, 200)
    })

    it('answers If-Match with another ETag with 412, and serves when it matches', async (t) => {
      const b = await make(t)
      const failed = await request(b.served.server.url, b.path, { headers: { 'if-match': '"sha256:other"' } })
      assert.equal(failed.status, 412)
      assert.equal(failed.headers['content-type'], 'application/json')
      for (const value of [`"${b.digest}"`, '*']) {
        const res = await request(b.served.server.url, b.path, { headers: { 'if-match': value } })
        assert.equal(res.status, 200, value)
        assert.deepEqual(res.body, b.bytes)
      }
    })
  })
}

describe('registry server: layers a layout lacks by design', () => {
  it('serves an image whose non-distributable layer the layout lacks: its manifest, its other blobs, 404 BLOB_UNKNOWN for that layer', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('foreign')
    const writer = await LayoutWriter.open(dir)
    const { manifest, held, absent } = await writeImageLackingLayers(writer, ['application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'])
    await writer.commit([manifest])
    const { registry, server, logs } = await serve(t)
    await registry.addRef('app', 'latest', entryRef(await readLayout(dir)))
    assert.equal((await request(server.url, '/v2/app/manifests/latest')).status, 200)
    assert.equal((await request(server.url, `/v2/app/blobs/${held.digest}`)).status, 200)
    for (const method of ['GET', 'HEAD']) {
      const res = await request(server.url, `/v2/app/blobs/${absent[0]?.digest}`, { method })
      assert.equal(res.status, 404, method)
      if (method === 'GET') assert.equal(errorCode(res), 'BLOB_UNKNOWN')
    }
    assert.ok(!logs.some((l) => / 5\d\d /.test(l)), logs.join('\n'))
  })
})

describe('registry server: blob verification', () => {
  it('cuts off a full GET of a blob whose file no longer matches its digest, and logs the file', async (t) => {
    const b = await fileBlob(t, 3 * 1024 * 1024)
    assert.ok(b.file)
    const corrupt = Buffer.from(b.bytes)
    corrupt[corrupt.length - 10] = (corrupt[corrupt.length - 10] ?? 0) ^ 0xff
    await writeFile(b.file, corrupt)
    const res = await download(b.served.server.url, b.path)
    assert.equal(res.status, 200)
    assert.ok(res.error !== undefined, 'the client must see a broken transfer')
    assert.ok(res.body.length < b.bytes.length, 'never a complete body')
    await b.served.logged((l) => l.includes(b.file as string) && l.includes('digest'))
  })

  it('cuts off a blob whose file was truncated or grew after loading', async (t) => {
    const b = await fileBlob(t, 2 * 1024 * 1024)
    assert.ok(b.file)
    for (const content of [b.bytes.subarray(0, b.bytes.length - 1), Buffer.concat([b.bytes, Buffer.from('x')])]) {
      await writeFile(b.file, content)
      const res = await download(b.served.server.url, b.path)
      assert.ok(res.status !== 200 || res.error !== undefined, 'never a clean 200')
      assert.notDeepEqual(res.body, b.bytes)
      if (res.status !== 200) assert.equal(res.status, 500)
    }
  })

  it('cuts off a range of a never-verified corrupt blob before its last byte, then answers 500 until the file changes', async (t) => {
    const b = await fileBlob(t, 3 * 1024 * 1024)
    assert.ok(b.file)
    const corrupt = Buffer.from(b.bytes)
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 1
    await writeFile(b.file, corrupt)
    // The range is in the first chunk, held back until the whole file was hashed: nothing went out, so it is a 500.
    const first = await request(b.served.server.url, b.path, { headers: { range: 'bytes=0-99' } })
    assert.equal(first.status, 500)
    assert.equal(errorCode(first), 'UNKNOWN')
    for (const headers of [{}, { range: 'bytes=0-99' }] as Array<Record<string, string>>) {
      for (const method of ['GET', 'HEAD']) {
        const res = await request(b.served.server.url, b.path, { method, headers })
        assert.equal(res.status, 500, `${method} ${JSON.stringify(headers)}`)
        assert.equal(res.body.length, method === 'GET' ? Number(res.headers['content-length']) : 0)
      }
    }
    assert.ok(b.served.logs.some((l) => l.includes(b.file as string) && l.includes('digest')))
    await writeFile(b.file, b.bytes)
    assert.deepEqual((await request(b.served.server.url, b.path, { headers: { range: 'bytes=0-99' } })).body, b.bytes.subarray(0, 100))
  })

  it('serves ranges of a good blob, then notices when the file is changed', async (t) => {
    const b = await fileBlob(t, 1024 * 1024)
    assert.ok(b.file)
    const url = b.served.server.url
    const first = await request(url, b.path, { headers: { range: 'bytes=100-199' } })
    assert.equal(first.status, 206)
    assert.deepEqual(first.body, b.bytes.subarray(100, 200))
    const full = await request(url, b.path)
    assert.equal(sha256(full.body), b.digest)
    // Same size, new content: the ctime changes, so it is checked again.
    const corrupt = Buffer.from(b.bytes)
    corrupt[5] = (corrupt[5] ?? 0) ^ 1
    await writeFile(b.file, corrupt)
    assert.equal((await request(url, b.path, { headers: { range: 'bytes=0-9' } })).status, 500)
    assert.equal((await request(url, b.path)).status, 500)
    // Put the right bytes back: served again.
    await writeFile(b.file, b.bytes)
    assert.equal(sha256((await request(url, b.path)).body), b.digest)
  })

  it('checks a small blob file whole before sending any byte (500 if corrupt), then serves it from memory', async (t) => {
    const b = await smallFileBlob(t)
    assert.ok(b.file)
    assert.ok(b.bytes.length < 64 * 1024)
    const corrupt = Buffer.from(b.bytes)
    corrupt[0] = (corrupt[0] ?? 0) ^ 1
    await writeFile(b.file, corrupt)
    for (const headers of [{}, { range: 'bytes=0-9' }] as Array<Record<string, string>>) {
      const res = await request(b.served.server.url, b.path, { headers })
      assert.equal(res.status, 500)
      assert.equal(errorCode(res), 'UNKNOWN')
    }
    assert.ok(b.served.logs.some((l) => l.includes(b.file as string) && l.includes('digest')))
    await writeFile(b.file, b.bytes)
    assert.deepEqual((await request(b.served.server.url, b.path, { headers: { range: 'bytes=0-9' } })).body, b.bytes.subarray(0, 10))
    // Verified bytes are the blob, whatever happens to the file afterwards.
    await rm(b.file)
    const again = await request(b.served.server.url, b.path)
    assert.equal(again.status, 200)
    assert.deepEqual(again.body, b.bytes)
  })

  it('answers 500 (and logs) when a blob file disappears after loading', async (t) => {
    const b = await fileBlob(t)
    assert.ok(b.file)
    await rm(b.file)
    for (const method of ['GET', 'HEAD']) {
      const res = await request(b.served.server.url, b.path, { method })
      assert.equal(res.status, 500)
      assert.equal(res.headers['content-type'], 'application/json')
    }
    assert.ok(b.served.logs.some((l) => l.includes(b.file as string)))
  })

  it('serves 20 parallel pulls of a multi-MiB blob, each complete and verified', async (t) => {
    const b = await fileBlob(t, 8 * 1024 * 1024)
    const pulls = await Promise.all(Array.from({ length: 20 }, () => request(b.served.server.url, b.path)))
    for (const res of pulls) {
      assert.equal(res.status, 200)
      assert.equal(res.body.length, b.bytes.length)
      assert.equal(sha256(res.body), b.digest)
    }
    const ranges = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(b.served.server.url, b.path, { headers: { range: `bytes=${i * 1000}-${i * 1000 + 4095}` } })),
    )
    ranges.forEach((res, i) => assert.deepEqual(res.body, b.bytes.subarray(i * 1000, i * 1000 + 4096)))
  })

  it('serves parallel range requests on a never-verified blob (one hash, shared)', async (t) => {
    const b = await fileBlob(t, 4 * 1024 * 1024)
    const size = b.bytes.length
    const parts = 8
    const step = Math.ceil(size / parts)
    const responses = await Promise.all(
      Array.from({ length: parts }, (_, i) =>
        request(b.served.server.url, b.path, { headers: { range: `bytes=${i * step}-${Math.min(size, (i + 1) * step) - 1}` } }),
      ),
    )
    assert.deepEqual(Buffer.concat(responses.map((r) => r.body)), b.bytes)
  })
})

/** Whether the server would stream this blob file while hashing it (else it hashes it first). */
async function isLayoutBlob(blob: FileBlob): Promise<boolean> {
  const file = await new BlobFiles(() => undefined).open(blob)
  await file.handle.close()
  return file.layoutBlob
}

describe('registry server: blob files outside every layout (SECURITY.md)', () => {
  /** A 3.6 MiB layer (several transfer chunks) served from its layout, and a directory that is no layout. */
  async function layer(t: TestContext): Promise<BlobUnderTest & { file: string; elsewhere: string }> {
    const b = await fileBlob(t, 3_600_000)
    assert.ok(b.file)
    return { ...b, file: b.file, elsewhere: (await makeTempDir('test-', t)).path }
  }

  it('sends no byte of a private file that a blob file is a symlink to: 500 on GET, and on a Range from its middle after a touch', async (t) => {
    const b = await layer(t)
    const secret = Buffer.alloc(b.bytes.length, 'private key material\n')
    const private_ = join(b.elsewhere, 'id_private')
    await writeFile(private_, secret)
    await chmod(private_, 0o600)
    await rm(b.file)
    await symlink(private_, b.file)
    const full = await download(b.served.server.url, b.path)
    assert.equal(full.status, 500)
    assert.equal(errorCode(full), 'UNKNOWN')
    await utimes(private_, new Date(), new Date())
    const range = await download(b.served.server.url, b.path, { headers: { range: 'bytes=1048576-2097151' } })
    assert.equal(range.status, 500)
    assert.ok(!range.body.includes('private key material'))
    await b.served.logged((l) => l.includes(b.file) && l.includes('digest'))
  })

  it('serves a right file outside every layout once hashed: whole, and ranges', async (t) => {
    const b = await layer(t)
    const outside = join(b.elsewhere, 'layer.tar')
    await writeFile(outside, b.bytes)
    await rm(b.file)
    await symlink(outside, b.file)
    assert.equal(await isLayoutBlob({ kind: 'file', digest: b.digest, size: b.bytes.length, path: b.file, layout: dirname(dirname(dirname(b.file))) }), false)
    const range = await request(b.served.server.url, b.path, { headers: { range: 'bytes=1048576-2097151' } })
    assert.equal(range.status, 206)
    assert.deepEqual(range.body, b.bytes.subarray(1048576, 2097152))
    assert.equal(sha256((await request(b.served.server.url, b.path)).body), b.digest)
  })

  it('streams while hashing only a file that is DIR/blobs/ALG/ENCODED, its own digest, of a DIR with an oci-layout file', async (t) => {
    const b = await layer(t)
    const hex = b.digest.slice('sha256:'.length)
    const cases: Array<[string, string, 'file' | 'directory' | undefined, boolean]> = [
      ['layout', `blobs/sha256/${hex}`, 'file', true],
      ['no-oci-layout', `blobs/sha256/${hex}`, undefined, false],
      ['oci-layout-a-directory', `blobs/sha256/${hex}`, 'directory', false],
      ['other-algorithm', `blobs/sha512/${hex}`, 'file', false],
      ['not-blobs', `files/sha256/${hex}`, 'file', false],
      ['other-name', `blobs/sha256/${hex.replace(/^./, (c) => (c === '0' ? '1' : '0'))}`, 'file', false],
    ]
    for (const [name, path, ociLayout, expected] of cases) {
      const dir = join(b.elsewhere, name)
      await mkdir(join(dir, dirname(path)), { recursive: true })
      await link(b.file, join(dir, path))
      if (ociLayout === 'file') await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
      if (ociLayout === 'directory') await mkdir(join(dir, 'oci-layout'))
      const linked = join(b.elsewhere, `${name}.link`)
      await symlink(join(dir, path), linked)
      assert.equal(await isLayoutBlob({ kind: 'file', digest: b.digest, size: b.bytes.length, path: linked, layout: dir }), expected, name)
    }
  })

  it('serves a layout whose blobs are relative symlinks into another layout (rules_oci-style base layers)', async (t) => {
    const base = await fixture(t, { kind: 'image', layerSize: 3_600_000 })
    const dir = join(dirname(base.dir), 'app')
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true })
    for (const name of ['oci-layout', 'index.json']) await cp(join(base.dir, name), join(dir, name))
    for (const blob of await readdir(join(base.dir, 'blobs', 'sha256'))) {
      await symlink(join('..', '..', '..', basename(base.dir), 'blobs', 'sha256', blob), join(dir, 'blobs', 'sha256', blob))
    }
    const image = entryRef(await readLayout(dir)) as Image
    const served = await serve(t)
    await served.registry.addRef('app', 'latest', image)
    for (const d of [image.manifest.config, ...image.manifest.layers]) {
      assert.equal(sha256((await request(served.server.url, `/v2/app/blobs/${d.digest}`)).body), d.digest)
    }
    // Each is the base layout's blob file for its digest: streamed while hashed, not hashed first.
    const layer = image.manifest.layers[0]
    assert.ok(layer)
    assert.equal(
      await isLayoutBlob({ kind: 'file', digest: layer.digest, size: layer.size, path: join(dir, 'blobs', 'sha256', layer.digest.slice(7)), layout: dir }),
      true,
    )
  })
})
