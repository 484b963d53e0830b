// Requests no honest client sends: path traversal in every encoding, absurd lengths, NUL,
// control characters, query strings. The server must answer each with a JSON error (or the
// HTTP parser's own 4xx), never a 500, and never with bytes that are not a registered blob.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Image } from '../../oci/ref.ts'
import { entryRef, fixture, rawRequest, request, serve, sha256 } from './test-support.ts'

const ALLOWED = new Set([400, 404, 405, 416])

describe('registry server: hostile requests', () => {
  it('routes only strictly parsed paths: traversal, encodings and odd shapes get 4xx JSON', async (t) => {
    const layout = await fixture(t, { kind: 'image' })
    const image = entryRef(layout) as Image
    const { registry, server, logs } = await serve(t)
    await registry.addRef('app', 'latest', image)
    const layer = image.manifest.layers[0]?.digest ?? ''
    const hex = layer.slice('sha256:'.length)
    const paths = [
      '/v2/../../../../etc/passwd',
      '/v2/app/blobs/../../../../etc/passwd',
      `/v2/app/blobs/${layer}/../../manifests/latest`,
      `/v2/app/blobs/sha256/${hex}`,
      `/v2/app/blobs/sha256:${hex}/`,
      `/v2/app/blobs/../blobs/${layer}`,
      '/v2/app/blobs/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/v2/%2e%2e/%2e%2e/etc/passwd',
      '/v2/app/manifests/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      `/v2/app%2Fblobs%2F${layer}`,
      '/v2/app%2Fother/manifests/latest',
      `/v2/app/blobs/sha256%3A${hex}`,
      `/v2/app/blobs/sha256%3a${hex}`,
      '/v2/app/blobs/%252e%252e%252fetc%252fpasswd',
      '/v2/%252e%252e/manifests/latest',
      '/v2/app/blobs/index.json',
      '/v2/app/blobs/oci-layout',
      `/v2/app/blobs/${layout.dir}/index.json`,
      '/v2/app/manifests/..',
      '/v2/app/manifests/.',
      '/v2/./app/manifests/latest',
      '/v2//app/manifests/latest',
      '//v2/app/manifests/latest',
      '/v2/app//manifests/latest',
      '/v2/app/manifests//latest',
      '/v2/app/manifests/latest%00',
      `/v2/app/blobs/${layer}%00`,
      '/v2/app/manifests/latest;x=1',
      '/v2/app/manifests/LATEST',
      '/v2/APP/manifests/latest',
      `/v2/app/blobs/SHA256:${hex}`,
      `/v2/app/blobs/sha256:${hex.toUpperCase()}`,
      `/v2/app/blobs/sha256:${hex}0`,
      `/v2/app/blobs/sha512:${hex}${hex}`,
      '/v2/app/blobs/sha256:',
      '/v2/app/blobs/:',
      '/v2/_catalog/',
      '/v2/_catalog/x',
      '/v2/app/tags/list/',
      '/v2/app/referrers/',
      '/v2/-/manifests/latest',
      '/v2/a__b__/manifests/latest',
      '/v2/a___b/manifests/latest',
      '/v2/' + 'a/'.repeat(200) + 'manifests/latest',
      '/v2/' + 'a'.repeat(10_000) + '/manifests/latest',
      '/v2/app/manifests/' + 'a'.repeat(10_000),
      '/v2/app/blobs/sha256:' + 'a'.repeat(10_000),
      '/v2/app/referrers/sha256:' + 'a'.repeat(10_000),
      '/v2/' + '../'.repeat(3000),
      '/v2/' + '%'.repeat(5000),
      '/v2/app/manifests/%',
      '/v2/app/manifests/%zz',
      '/v2/app/manifests/\u00e9',
      '*',
    ]
    for (const path of paths) {
      const res = await request(server.url, encodeForRequest(path))
      assert.ok(ALLOWED.has(res.status), `${res.status} for ${path.slice(0, 120)}`)
      assert.equal(res.headers['content-type'], 'application/json', path.slice(0, 120))
      assert.ok(JSON.parse(res.body.toString()).errors, path.slice(0, 120))
    }
    assert.ok(!logs.some((l) => l.includes('internal error')), logs.join('\n'))
  })

  it('ignores query strings on manifests and blobs, and never lets them change the file served', async (t) => {
    const image = entryRef(await fixture(t, { kind: 'image' })) as Image
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', image)
    const layer = image.manifest.layers[0]?.digest ?? ''
    for (const query of ['?x=1', '?path=../../etc/passwd', '?', '?n=0', '?digest=sha256:0', `?${'q'.repeat(5000)}`]) {
      const manifest = await request(server.url, `/v2/app/manifests/latest${query}`)
      assert.equal(manifest.status, 200, query)
      assert.deepEqual(manifest.body, image.raw)
      const blob = await request(server.url, `/v2/app/blobs/${layer}${query}`)
      assert.equal(blob.status, 200, query)
      assert.equal(sha256(blob.body), layer)
    }
  })

  it('handles NUL, control characters, absurd lengths and broken request lines without a 500', async (t) => {
    const image = entryRef(await fixture(t, { kind: 'image' })) as Image
    const { registry, server, logs } = await serve(t)
    await registry.addRef('app', 'latest', image)
    const requests = [
      'GET /v2/app/manifests/latest\0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /v2/app\0/manifests/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /v2/app/manifests/lat\test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      `GET /v2/${'a'.repeat(100_000)}/manifests/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      `GET /v2/app/blobs/${'%2e%2e/'.repeat(15_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      'GET /v2/app/manifests/latest HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\0\r\nConnection: close\r\n\r\n',
      'GARBAGE\r\n\r\n',
      'GET v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET\r\n\r\n',
      'GET http://evil.example/v2/app/manifests/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /v2/app/manifests/latest HTTP/1.1\r\nConnection: close\r\n\r\n',
    ]
    for (const text of requests) {
      const { status } = await rawRequest(server.url, text)
      assert.ok(status === 0 || (status >= 400 && status < 500), `${status} for ${JSON.stringify(text.slice(0, 80))}`)
    }
    assert.ok(!logs.some((l) => l.includes('internal error')), logs.join('\n'))
    // The server is still fine.
    assert.equal((await request(server.url, '/v2/app/manifests/latest')).status, 200)
  })

  it('survives a random mix of path pieces: only 2xx/304 for real content, otherwise 4xx JSON', async (t) => {
    const image = entryRef(await fixture(t, { kind: 'image' })) as Image
    const { registry, server, logs } = await serve(t)
    await registry.addRef('app/x', 'latest', image)
    const layer = image.manifest.layers[0]?.digest ?? ''
    const pieces = [
      '/',
      'v2',
      'app',
      'x',
      'manifests',
      'blobs',
      'tags',
      'list',
      'referrers',
      '_catalog',
      'latest',
      layer,
      image.digest,
      '..',
      '.',
      '%2e',
      '%2f',
      '%2F',
      '%00',
      '%',
      '?',
      '&',
      'n=1',
      'last=',
      '=',
      ':',
      'sha256',
      '-',
      '_',
      '__',
      '\u00e9',
      '%252e',
      ';',
      '#',
    ]
    let seed = 42
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % n
    }
    for (let i = 0; i < 400; i++) {
      let path = random(3) === 0 ? '/v2/' : '/'
      for (let j = random(8) + 1; j > 0; j--) path += pieces[random(pieces.length)]
      const res = await request(server.url, encodeForRequest(path))
      assert.ok(res.status < 500, `${res.status} for ${path}`)
      if (res.status >= 400) assert.equal(res.headers['content-type'], 'application/json', path)
    }
    assert.ok(!logs.some((l) => l.includes('internal error')), logs.join('\n'))
  })
})

/** Node's client refuses raw non-ASCII and control characters in a path; send those percent-encoded. */
function encodeForRequest(path: string): string {
  let out = ''
  for (const ch of path) {
    const code = ch.codePointAt(0) ?? 0
    out += code <= 0x20 || code >= 0x7f || ch === '#' ? encodeURIComponent(ch) : ch
  }
  return out
}
