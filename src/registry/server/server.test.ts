import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { describe, it } from 'node:test'
import * as mt from '../../oci/media-types.ts'
import type { Image, Index, Ref } from '../../oci/ref.ts'
import { Registry } from '../../content/registry.ts'
import { listen } from './server.ts'
import { entryRef, errorCode, fixture, request, serve, sha256 } from '../../../test/support/server.ts'

function asImage(ref: Ref): Image {
  assert.equal(ref.kind, 'image')
  return ref as Image
}

function asIndex(ref: Ref): Index {
  assert.equal(ref.kind, 'index')
  return ref as Index
}

function assertRegistryHeaders(headers: Record<string, unknown>): void {
  assert.equal(headers['docker-distribution-api-version'], 'registry/2.0')
  assert.equal(headers['x-content-type-options'], 'nosniff')
}

describe('registry server: base and manifests', () => {
  it('answers /v2/ and /v2 with 200 {} for GET and HEAD', async (t) => {
    const { server } = await serve(t)
    for (const path of ['/v2/', '/v2']) {
      const get = await request(server.url, path)
      assert.equal(get.status, 200)
      assert.equal(get.body.toString(), '{}')
      assert.equal(get.headers['content-type'], 'application/json')
      assert.equal(get.headers['content-length'], '2')
      assertRegistryHeaders(get.headers)
      const head = await request(server.url, path, { method: 'HEAD' })
      assert.equal(head.status, 200)
      assert.equal(head.body.length, 0)
      assert.equal(head.headers['content-length'], '2')
    }
  })

  it('serves an image manifest by tag and by digest with exact headers; HEAD has the same headers and no body', async (t) => {
    const layout = await fixture(t, { kind: 'image' })
    const ref = entryRef(layout)
    const { registry, server } = await serve(t)
    await registry.addRef('team/app', 'v1', ref)
    for (const reference of ['v1', ref.digest]) {
      const get = await request(server.url, `/v2/team/app/manifests/${reference}`)
      assert.equal(get.status, 200)
      assert.deepEqual(get.body, ref.raw)
      assert.equal(get.headers['content-type'], mt.OCI_MANIFEST)
      assert.equal(get.headers['content-length'], String(ref.raw.length))
      assert.equal(get.headers['docker-content-digest'], ref.digest)
      assert.equal(get.headers.etag, `"${ref.digest}"`)
      assert.equal(sha256(get.body), ref.digest)
      assertRegistryHeaders(get.headers)
      const head = await request(server.url, `/v2/team/app/manifests/${reference}`, { method: 'HEAD' })
      assert.equal(head.status, 200)
      assert.equal(head.body.length, 0)
      for (const name of ['content-type', 'content-length', 'docker-content-digest', 'etag', 'docker-distribution-api-version', 'x-content-type-options']) {
        assert.equal(head.headers[name], get.headers[name], name)
      }
    }
  })

  it('serves Docker schema2 manifests with their own media type', async (t) => {
    const layout = await fixture(t, { kind: 'docker' })
    const ref = asImage(entryRef(layout))
    const { registry, server } = await serve(t)
    await registry.addRef('docker/img', 'latest', ref)
    const get = await request(server.url, '/v2/docker/img/manifests/latest')
    assert.equal(get.headers['content-type'], mt.DOCKER_MANIFEST)
    assert.deepEqual(get.body, ref.raw)
    const layer = ref.manifest.layers[0]
    assert.ok(layer)
    const blob = await request(server.url, `/v2/docker/img/blobs/${layer.digest}`)
    assert.equal(blob.status, 200)
    assert.equal(sha256(blob.body), layer.digest)
  })

  it('answers If-None-Match on manifests with 304 (exact, weak, in a list, *) and 200 otherwise', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', ref)
    const etag = `"${ref.digest}"`
    for (const value of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      for (const method of ['GET', 'HEAD']) {
        const res = await request(server.url, '/v2/app/manifests/latest', { method, headers: { 'if-none-match': value } })
        assert.equal(res.status, 304, value)
        assert.equal(res.body.length, 0)
        assert.equal(res.headers.etag, etag)
        assert.equal(res.headers['docker-content-digest'], ref.digest)
        assertRegistryHeaders(res.headers)
      }
    }
    const miss = await request(server.url, '/v2/app/manifests/latest', { headers: { 'if-none-match': '"sha256:0000"' } })
    assert.equal(miss.status, 200)
    assert.deepEqual(miss.body, ref.raw)
  })

  it('answers If-Match on manifests: 412 unless it names the ETag (strongly) or is *', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', ref)
    const etag = `"${ref.digest}"`
    for (const [value, status] of [
      ['"sha256:other"', 412],
      [`W/${etag}`, 412],
      [etag, 200],
      [`"x", ${etag}`, 200],
      ['*', 200],
    ] as const) {
      const res = await request(server.url, '/v2/app/manifests/latest', { headers: { 'if-match': value } })
      assert.equal(res.status, status, value)
      if (status === 200) assert.deepEqual(res.body, ref.raw)
      else assert.equal(JSON.parse(res.body.toString()).errors[0].detail.digest, ref.digest)
    }
  })

  it('serves a manifest larger than 16 KiB (sent as a Buffer) byte for byte', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image', layerCount: 150, layerSize: 16 }))
    assert.ok(ref.raw.length > 16 * 1024, `${ref.raw.length} bytes`)
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', ref)
    const res = await request(server.url, '/v2/app/manifests/latest')
    assert.deepEqual(res.body, ref.raw)
  })

  it('serves an index, its children and their blobs by digest in the same repository', async (t) => {
    const index = asIndex(entryRef(await fixture(t, { kind: 'index' })))
    const { registry, server } = await serve(t)
    await registry.addRef('multi', 'latest', index)
    const top = await request(server.url, '/v2/multi/manifests/latest')
    assert.equal(top.headers['content-type'], mt.OCI_INDEX)
    assert.deepEqual(top.body, index.raw)
    assert.equal(index.children.length, 2)
    for (const d of index.children) {
      const child = asImage(await index.child(d))
      const res = await request(server.url, `/v2/multi/manifests/${d.digest}`)
      assert.equal(res.status, 200)
      assert.equal(res.headers['content-type'], d.mediaType)
      assert.deepEqual(res.body, child.raw)
      for (const b of child.blobs) {
        const blob = await request(server.url, `/v2/multi/blobs/${b.digest}`)
        assert.equal(blob.status, 200, b.digest)
        assert.equal(sha256(blob.body), b.digest)
      }
    }
  })

  it('serves nested indexes: grandchildren and their blobs by digest', async (t) => {
    const nested = asIndex(entryRef(await fixture(t, { kind: 'nested' })))
    const { registry, server } = await serve(t)
    await registry.addRef('nested', 'latest', nested)
    const seen: string[] = []
    const visit = async (ref: Ref): Promise<void> => {
      seen.push(ref.digest)
      const res = await request(server.url, `/v2/nested/manifests/${ref.digest}`)
      assert.equal(res.status, 200)
      assert.equal(res.headers['content-type'], ref.mediaType)
      if (ref.kind === 'index') for (const d of ref.children) await visit(await ref.child(d))
      else for (const b of ref.blobs) assert.equal((await request(server.url, `/v2/nested/blobs/${b.digest}`, { method: 'HEAD' })).status, 200)
    }
    await visit(nested)
    assert.ok(seen.length >= 5, `expected two index levels and three images, saw ${seen.length} refs`)
  })

  it('serves layouts written like rules_oci and images with many layers', async (t) => {
    const rulesOci = asImage(entryRef(await fixture(t, { kind: 'rules-oci' })))
    const many = asImage(entryRef(await fixture(t, { kind: 'many-layers', name: 'many' })))
    const { registry, server } = await serve(t)
    await registry.addRef('rules/oci', 'latest', rulesOci)
    await registry.addRef('many', 'latest', many)
    assert.equal((await request(server.url, '/v2/rules/oci/manifests/latest')).status, 200)
    assert.equal(many.manifest.layers.length, 20)
    const bodies = await Promise.all(many.manifest.layers.map((l) => request(server.url, `/v2/many/blobs/${l.digest}`)))
    bodies.forEach((b, i) => assert.equal(sha256(b.body), many.manifest.layers[i]?.digest))
  })

  it('serves several repositories and tags, one image under several tags, and digest-only refs', async (t) => {
    const a = entryRef(await fixture(t, { kind: 'image', name: 'a' }))
    const b = entryRef(await fixture(t, { kind: 'image', name: 'b' }))
    const { registry, server } = await serve(t)
    await registry.addRef('one', 'v1', a)
    await registry.addRef('one', 'latest', a)
    await registry.addRef('two/deep/name', 'v1', b)
    await registry.addRef('hidden', undefined, b)
    await registry.addRef('hidden2', '', b)
    for (const [path, digest] of [
      ['/v2/one/manifests/v1', a.digest],
      ['/v2/one/manifests/latest', a.digest],
      ['/v2/two/deep/name/manifests/v1', b.digest],
      [`/v2/hidden/manifests/${b.digest}`, b.digest],
      [`/v2/hidden2/manifests/${b.digest}`, b.digest],
    ] as const) {
      const res = await request(server.url, path)
      assert.equal(res.status, 200, path)
      assert.equal(res.headers['docker-content-digest'], digest)
    }
    assert.deepEqual(JSON.parse((await request(server.url, '/v2/hidden/tags/list')).body.toString()), { name: 'hidden', tags: [] })
    assert.equal(errorCode(await request(server.url, '/v2/one/manifests/nope')), 'MANIFEST_UNKNOWN')
    assert.deepEqual(registry.repositories(), ['hidden', 'hidden2', 'one', 'two/deep/name'])
  })

  it('scopes blobs to the repository they were added to', async (t) => {
    const a = asImage(entryRef(await fixture(t, { kind: 'image', name: 'a' })))
    const b = entryRef(await fixture(t, { kind: 'image', name: 'b' }))
    const { registry, server } = await serve(t)
    await registry.addRef('a', 'latest', a)
    await registry.addRef('b', 'latest', b)
    const layer = a.manifest.layers[0]?.digest
    assert.equal((await request(server.url, `/v2/a/blobs/${layer}`)).status, 200)
    const other = await request(server.url, `/v2/b/blobs/${layer}`)
    assert.equal(other.status, 404)
    assert.equal(errorCode(other), 'BLOB_UNKNOWN')
    assert.equal(errorCode(await request(server.url, `/v2/b/manifests/${a.digest}`)), 'MANIFEST_UNKNOWN')
  })

  it('serves refs added while it is running', async (t) => {
    const { registry, server } = await serve(t)
    assert.equal(errorCode(await request(server.url, '/v2/late/manifests/latest')), 'NAME_UNKNOWN')
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    await registry.addRef('late', 'latest', ref)
    assert.equal((await request(server.url, '/v2/late/manifests/latest')).status, 200)
    assert.deepEqual(JSON.parse((await request(server.url, '/v2/_catalog')).body.toString()), { repositories: ['late'] })
  })
})

describe('registry server: listening and logging', () => {
  it('logs one line per request: method, target, status, bytes, milliseconds', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const { registry, server, logs } = await serve(t)
    await registry.addRef('app', 'latest', ref)
    await request(server.url, '/v2/app/manifests/latest')
    await request(server.url, '/v2/app/manifests/latest', { method: 'HEAD' })
    await request(server.url, '/v2/app/manifests/nope')
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(logs.length, 3)
    assert.match(logs[0] ?? '', new RegExp(`^GET /v2/app/manifests/latest 200 ${ref.raw.length} \\d+\\.\\dms$`))
    assert.match(logs[1] ?? '', /^HEAD \/v2\/app\/manifests\/latest 200 0 \d+\.\dms$/)
    assert.match(logs[2] ?? '', /^GET \/v2\/app\/manifests\/nope 404 \d+ \d+\.\dms$/)
  })

  it('listens on 127.0.0.1 by default and reports its URL and port', async (t) => {
    const { server } = await serve(t)
    assert.equal(server.host, '127.0.0.1')
    assert.ok(server.port > 0)
    assert.equal(server.url, `http://127.0.0.1:${server.port}`)
  })

  it('rejects with EADDRINUSE when the port is taken, and keeps serving on the first', async (t) => {
    const { server } = await serve(t)
    await assert.rejects(listen(new Registry(), { port: server.port }), (e: unknown) => (e as NodeJS.ErrnoException).code === 'EADDRINUSE')
    assert.equal((await request(server.url, '/v2/')).status, 200)
  })

  it('puts brackets around an IPv6 host in the URL', async (t) => {
    const server = await listen(new Registry(), { host: '::1' }).catch(() => undefined)
    if (server === undefined) {
      t.skip('no IPv6 loopback on this machine')
      return
    }
    await using _ = server
    assert.equal(server.url, `http://[::1]:${server.port}`)
    assert.equal((await request(server.url, '/v2/')).status, 200)
  })

  // Bounded by the test's timeout, below the 30 s keep-alive timeout: close must not wait for either connection.
  it('closes promptly with idle keep-alive connections and a blob transfer in progress', { timeout: 20_000 }, async (t) => {
    const ref = asImage(entryRef(await fixture(t, { kind: 'large', layerSize: 32 * 1024 * 1024 })))
    const registry = new Registry()
    await registry.addRef('big', 'latest', ref)
    const server = await listen(registry)
    // An idle keep-alive connection.
    assert.equal((await request(server.url, '/v2/')).status, 200)
    // A transfer that the client does not read until the server was closed.
    const layer = ref.manifest.layers[0]
    assert.ok(layer)
    let closed: () => void = () => undefined
    const serverClosed = new Promise<void>((resolve) => (closed = resolve))
    let started: () => void = () => undefined
    const transferStarted = new Promise<void>((resolve) => (started = resolve))
    const broken = new Promise<string>((resolve) => {
      const req = httpRequest(`${server.url}/v2/big/blobs/${layer.digest}`, (res) => {
        res.pause()
        res.on('error', () => resolve('error'))
        res.on('close', () => resolve(res.complete ? 'complete' : 'cut'))
        started()
        void serverClosed.then(() => res.resume())
      })
      req.on('error', () => resolve('error'))
      req.end()
    })
    await transferStarted
    await server.close()
    closed()
    assert.notEqual(await broken, 'complete')
    await server.close() // a second close is harmless
  })
})
