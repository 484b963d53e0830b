// Requests no honest client sends: path traversal in every encoding, absurd lengths, NUL,
// control characters, every method, Range abuse, request smuggling and pipelining. Each must
// get a response (a connection closed without one fails the test) with exactly the status and
// error code the distribution-spec (or HTTP) asks for: never a 500, never bytes that are not
// a registered blob.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Image } from '../../oci/ref.ts'
import { entryRef, errorCode, fixture, rawExchange, request, serve, sha256, type RawResponse } from '../../../test/support/server.ts'

async function servedImage(t: Parameters<typeof fixture>[0], name = 'app'): Promise<{ image: Image; url: string; logs: string[]; layer: string }> {
  const layout = await fixture(t, { kind: 'image', layerSize: 100_000 })
  const image = entryRef(layout) as Image
  const { registry, server, logs } = await serve(t)
  await registry.addRef(name, 'latest', image)
  return { image, url: server.url, logs, layer: image.manifest.layers[0]?.digest ?? '' }
}

function errorCodeOf(response: RawResponse): string | undefined {
  assert.equal(response.headers['content-type'], 'application/json')
  return errorCode(response)
}

function assertNoInternalErrors(logs: string[]): void {
  assert.ok(!logs.some((l) => l.includes('internal error') || / 5\d\d /.test(l)), logs.join('\n'))
}

describe('registry server: hostile request targets', () => {
  it('answers traversal, encodings and odd shapes with the exact 4xx and error code', async (t) => {
    const layout = await fixture(t, { kind: 'image', name: 'layout' })
    const image = entryRef(layout) as Image
    const { registry, server, logs } = await serve(t)
    await registry.addRef('app', 'latest', image)
    const layer = image.manifest.layers[0]?.digest ?? ''
    const hex = layer.slice('sha256:'.length)
    const none = [404, 'UNSUPPORTED'] as const
    // The pull endpoints answer only 404 for what cannot be there; the referrers API answers 400.
    const badName = [404, 'NAME_UNKNOWN'] as const
    const badTag = [404, 'MANIFEST_UNKNOWN'] as const
    const badBlob = [404, 'BLOB_UNKNOWN'] as const
    const badReferrersName = [400, 'NAME_INVALID'] as const
    const badDigest = [400, 'DIGEST_INVALID'] as const
    const cases: Array<readonly [string, readonly [number, string]]> = [
      ['/v2/../../../../etc/passwd', none],
      ['/v2/app/blobs/../../../../etc/passwd', none],
      [`/v2/app/blobs/${layer}/../../manifests/latest`, badName],
      [`/v2/app/blobs/sha256/${hex}`, none],
      [`/v2/app/blobs/sha256:${hex}/`, none],
      [`/v2/app/blobs/../blobs/${layer}`, badName],
      ['/v2/app/blobs/%2e%2e/%2e%2e/%2e%2e/etc/passwd', none],
      ['/v2/%2e%2e/%2e%2e/etc/passwd', none],
      ['/v2/app/manifests/%2e%2e%2f%2e%2e%2fetc%2fpasswd', badTag],
      [`/v2/app%2Fblobs%2F${layer}`, none],
      ['/v2/app%2Fother/manifests/latest', badName],
      [`/v2/app/blobs/sha256%3A${hex}`, badBlob],
      [`/v2/app/blobs/sha256%3a${hex}`, badBlob],
      ['/v2/app/blobs/%252e%252e%252fetc%252fpasswd', badBlob],
      ['/v2/%252e%252e/manifests/latest', badName],
      ['/v2/app/blobs/index.json', badBlob],
      ['/v2/app/blobs/oci-layout', badBlob],
      [`/v2/app/blobs/${layout.dir}/index.json`, none],
      ['/v2/app/manifests/..', badTag],
      ['/v2/app/manifests/.', badTag],
      ['/v2/./app/manifests/latest', badName],
      ['/v2//app/manifests/latest', badName],
      ['//v2/app/manifests/latest', none],
      ['/v2/app//manifests/latest', badName],
      ['/v2/app/manifests//latest', none],
      ['/v2/app/manifests/latest%00', badTag],
      [`/v2/app/blobs/${layer}%00`, badBlob],
      ['/v2/app/manifests/latest;x=1', badTag],
      ['/v2/app/manifests/LATEST', [404, 'MANIFEST_UNKNOWN']],
      ['/v2/APP/manifests/latest', badName],
      ['/v2/nope/manifests/latest', [404, 'NAME_UNKNOWN']],
      [`/v2/nope/blobs/${layer}`, [404, 'NAME_UNKNOWN']],
      ['/v2/nope/tags/list', [404, 'NAME_UNKNOWN']],
      ['/v2/NOPE/tags/list', badName],
      [`/v2/app/blobs/SHA256:${hex}`, badBlob],
      [`/v2/app/blobs/sha256:${hex.toUpperCase()}`, badBlob],
      [`/v2/app/blobs/sha256:${hex}0`, badBlob],
      [`/v2/app/blobs/sha512:${hex}${hex}`, [404, 'BLOB_UNKNOWN']],
      [`/v2/app/manifests/sha256:${hex}`, [404, 'MANIFEST_UNKNOWN']],
      ['/v2/app/manifests/sha256:xyz', badTag],
      ['/v2/app/blobs/sha256:', badBlob],
      ['/v2/app/blobs/:', badBlob],
      ['/v2/_catalog/', none],
      ['/v2/_catalog/x', none],
      ['/v2/app/tags/list/', none],
      ['/v2/app/tags/x', none],
      ['/v2/app/x/list', none],
      ['/v2//manifests/latest', badName],
      ['/v2/APP/manifests/%zz', badName],
      ['/v2/APP/blobs/sha256:', badName],
      ['/v2/app/referrers/', badDigest],
      ['/v2/-/manifests/latest', badName],
      ['/v2/-/referrers/' + layer, badReferrersName],
      ['/v2/a__b__/manifests/latest', badName],
      ['/v2/a___b/manifests/latest', badName],
      ['/v2/' + 'a/'.repeat(200) + 'manifests/latest', badName],
      ['/v2/' + 'a'.repeat(10_000) + '/manifests/latest', badName],
      ['/v2/app/manifests/' + 'a'.repeat(10_000), badTag],
      ['/v2/app/blobs/sha256:' + 'a'.repeat(10_000), badBlob],
      ['/v2/app/referrers/sha256:' + 'a'.repeat(10_000), badDigest],
      ['/v2/' + '../'.repeat(3000), none],
      ['/v2/' + '%'.repeat(5000), none],
      ['/v2/app/manifests/%', badTag],
      ['/v2/app/manifests/%zz', badTag],
      ['/v2/app/manifests/\u00e9', badTag],
      ['/v2/app/tags/list?n=-1', [400, 'UNSUPPORTED']],
      ['/v2/_catalog?n=1e3', [400, 'UNSUPPORTED']],
      ['/v3/', none],
      ['/v2x', none],
      ['*', none],
    ]
    for (const [path, [status, code]] of cases) {
      for (const method of ['GET', 'HEAD']) {
        const res = await request(server.url, encodeForRequest(path), { method })
        const what = `${method} ${path.slice(0, 120)}`
        assert.equal(res.status, status, what)
        assert.equal(res.headers['content-type'], 'application/json', what)
        if (method === 'GET') assert.equal(errorCode(res), code, what)
        else assert.equal(res.body.length, 0, what)
      }
    }
    assertNoInternalErrors(logs)
  })

  it('says in the detail of each error what it refused', async (t) => {
    const { url, layer } = await servedImage(t)
    const long = 'A'.repeat(400)
    const cases: Array<[string, Record<string, unknown>]> = [
      ['/v2/APP/manifests/latest', { name: 'APP' }],
      [`/v2/${long}/manifests/latest`, { name: long.slice(0, 300) }],
      ['/v2/nope/manifests/latest', { name: 'nope' }],
      ['/v2/app/manifests/nope', { name: 'app', reference: 'nope' }],
      ['/v2/app/manifests/-x', { name: 'app', reference: '-x' }],
      [`/v2/app/manifests/${long}`, { name: 'app', reference: long.slice(0, 300) }],
      ['/v2/app/blobs/sha256:xyz', { name: 'app', digest: 'sha256:xyz' }],
      [`/v2/app/blobs/sha256:${'a'.repeat(400)}`, { name: 'app', digest: `sha256:${'a'.repeat(293)}` }],
      [`/v2/app/referrers/sha256:${'a'.repeat(400)}`, { digest: `sha256:${'a'.repeat(293)}` }],
      [`/v2/app/blobs/sha512:${'a'.repeat(128)}`, { name: 'app', digest: `sha512:${'a'.repeat(128)}` }],
      ['/v2/app/tags/list?n=x', { n: 'x' }],
    ]
    for (const [path, detail] of cases) {
      const res = await request(url, path)
      assert.deepEqual((JSON.parse(res.body.toString()) as { errors: Array<{ detail: unknown }> }).errors[0]?.detail, detail, path)
    }
    const unsatisfiable = await request(url, `/v2/app/blobs/${layer}`, { headers: { range: 'bytes=999999999-' } })
    assert.deepEqual((JSON.parse(unsatisfiable.body.toString()) as { errors: Array<{ detail: unknown }> }).errors[0]?.detail, {
      digest: layer,
      size: Number(unsatisfiable.headers['content-range']?.split('/')[1]),
    })
    const method = await rawExchange(url, 'DELETE /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.deepEqual((JSON.parse(method.responses[0]?.body.toString() ?? '') as { errors: Array<{ detail: unknown }> }).errors[0]?.detail, { method: 'DELETE' })
  })

  it('says in the message why a name, reference or digest cannot be there, and nothing more when it merely is not', async (t) => {
    const { url } = await servedImage(t)
    const zero = `sha256:${'0'.repeat(64)}`
    const cases: Array<[string, string]> = [
      ['/v2/APP/manifests/latest', 'repository "APP" is not known to this registry: a repository name is lowercase letters'],
      ['/v2/nope/manifests/latest', 'repository "nope" is not known to this registry'],
      ['/v2/app/manifests/v9', 'manifest "v9" is not known in repository "app"'],
      [`/v2/app/manifests/${zero}`, `manifest "${zero}" is not known in repository "app"`],
      ['/v2/app/manifests/-x', 'manifest "-x" is not known in repository "app": it is not a digest, and not a tag either (a tag is 1 to 128'],
      ['/v2/app/manifests/sha256:xyz', 'manifest "sha256:xyz" is not known in repository "app": it is not a tag, and invalid sha256 digest "sha256:xyz"'],
      [`/v2/app/blobs/${zero}`, `blob "${zero}" is not known in repository "app"`],
      ['/v2/app/blobs/sha256:xyz', 'blob "sha256:xyz" is not known in repository "app": invalid sha256 digest "sha256:xyz"'],
      ['/v2/app/tags/list?n=x', 'page size n="x" is not supported: n must be a non-negative integer'],
    ]
    for (const [path, message] of cases) {
      const res = await request(url, path)
      const actual = (JSON.parse(res.body.toString()) as { errors: Array<{ message: string }> }).errors[0]?.message ?? ''
      assert.ok(actual.startsWith(message), `${path}: ${actual}`)
      if (!message.includes(':')) assert.equal(actual, message, path)
    }
  })

  it('ignores query strings on manifests and blobs, and never lets them change the file served', async (t) => {
    const { image, url, layer } = await servedImage(t)
    for (const query of ['?x=1', '?path=../../etc/passwd', '?', '?n=0', '?digest=sha256:0', `?${'q'.repeat(5000)}`]) {
      const manifest = await request(url, `/v2/app/manifests/latest${query}`)
      assert.equal(manifest.status, 200, query)
      assert.deepEqual(manifest.body, image.raw)
      const blob = await request(url, `/v2/app/blobs/${layer}${query}`)
      assert.equal(blob.status, 200, query)
      assert.equal(sha256(blob.body), layer)
    }
  })

  it('survives a random mix of path pieces: 2xx only for real content, otherwise 4xx JSON', async (t) => {
    const { image, url, logs, layer } = await servedImage(t, 'app/x')
    const pieces = ['/', 'v2', 'app', 'x', 'manifests', 'blobs', 'tags', 'list', 'referrers', '_catalog', 'latest', layer, image.digest]
    pieces.push('..', '.', '%2e', '%2f', '%2F', '%00', '%', '?', '&', 'n=1', 'last=', '=', ':', 'sha256', '-', '_', '__', '\u00e9', '%252e', ';', '#')
    let seed = 42
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % n
    }
    for (let i = 0; i < 400; i++) {
      let path = random(3) === 0 ? '/v2/' : '/'
      for (let j = random(8) + 1; j > 0; j--) path += pieces[random(pieces.length)]
      const res = await request(url, encodeForRequest(path))
      assert.ok(res.status < 500, `${res.status} for ${path}`)
      if (res.status >= 400) assert.equal(res.headers['content-type'], 'application/json', path)
      if (res.status === 200 && path.includes('/blobs/')) assert.ok([layer, image.manifest.config.digest].includes(sha256(res.body)), path)
    }
    assertNoInternalErrors(logs)
  })
})

describe('registry server: hostile requests on the wire', () => {
  it('answers NUL, control characters, absurd lengths and broken request lines with a 4xx, never by closing silently', async (t) => {
    const { url, logs } = await servedImage(t)
    const requests = [
      'GET /v2/app/manifests/latest\0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /v2/app\0/manifests/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /v2/app/manifests/lat\test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      `GET /v2/${'a'.repeat(100_000)}/manifests/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      `GET /v2/app/blobs/${'%2e%2e/'.repeat(15_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      'GET /v2/app/manifests/latest HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\0\r\nConnection: close\r\n\r\n',
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
      'GARBAGE\r\n\r\n',
      'GET v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /v2/ HTTP/1.1\r\nHost: x\r\n folded: header\r\nConnection: close\r\n\r\n',
      'GET /v2/ HTTP/1.1\r\nHost: x\r\nBad Header: x\r\nConnection: close\r\n\r\n',
    ]
    for (const text of requests) {
      const { responses } = await rawExchange(url, text)
      const what = JSON.stringify(text.slice(0, 80))
      assert.equal(responses.length, 1, `exactly one response to ${what}`)
      const status = responses[0]?.status ?? 0
      assert.ok(status >= 400 && status < 500, `${status} for ${what}`)
    }
    // What parses as a request (an absolute-form target, no Host) is routed: 404 and 400 JSON.
    const absolute = await rawExchange(url, 'GET http://evil.example/v2/app/manifests/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.equal(absolute.responses[0]?.status, 404)
    assertNoInternalErrors(logs)
    assert.equal((await request(url, '/v2/app/manifests/latest')).status, 200)
  })

  it('refuses every method but GET and HEAD with 405 and Allow, and unknown ones with 400, never serving content', async (t) => {
    const { url, logs, layer } = await servedImage(t)
    const paths = ['/v2/', '/v2/app/manifests/latest', `/v2/app/blobs/${layer}`, '/v2/app/tags/list', '/v2/_catalog', `/v2/app/referrers/${layer}`]
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'PURGE', 'TRACE']) {
      for (const path of paths) {
        const { responses } = await rawExchange(url, `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
        const [res] = responses
        assert.ok(res, `${method} ${path}: no response`)
        assert.equal(res.status, 405, `${method} ${path}`)
        assert.equal(res.headers.allow, 'GET, HEAD')
        assert.equal(errorCodeOf(res), 'UNSUPPORTED')
      }
    }
    for (const method of ['get', 'Get', 'FOO', 'G\u00c9T', 'PRI']) {
      const { responses } = await rawExchange(url, `${method} /v2/app/manifests/latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      assert.equal(responses[0]?.status, 400, method)
    }
    // CONNECT (proxying) and Upgrade (protocol switch) never reach a request handler in Node unless the server handles them.
    const connect = await rawExchange(url, 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n')
    assert.equal(connect.responses[0]?.status, 405)
    assert.equal(errorCodeOf(connect.responses[0] as RawResponse), 'UNSUPPORTED')
    const upgrade = await rawExchange(url, 'GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n')
    assert.equal(upgrade.responses[0]?.status, 200)
    assertNoInternalErrors(logs)
  })

  it('answers Range abuse with 200 (ignored), a correct 206 or 416, never a 500 or wrong bytes', async (t) => {
    const { url, logs, layer } = await servedImage(t)
    const whole = (await request(url, `/v2/app/blobs/${layer}`)).body
    const size = whole.length
    const many = Array.from({ length: 1000 }, (_, i) => `${i * 2}-${i * 2}`).join(',')
    const ranges = [
      'bytes=',
      'bytes=-',
      'bytes=--1',
      'bytes=1--2',
      'bytes=0-0,-0',
      'bytes=-0,-0',
      `bytes=${many}`,
      `bytes=${Array.from({ length: 500 }, () => '0-10').join(',')}`,
      'bytes=0-1,1-2,2-3',
      'bytes=99999999999999999999-',
      'bytes=0-99999999999999999999',
      `bytes=${'9'.repeat(5000)}-`,
      'bytes=1e3-2e3',
      'bytes=0x10-0x20',
      'bytes=+1-2',
      'bytes=1-2-3',
      'bytes=1 - 2',
      'BYTES=0-4',
      'bytes =0-4',
      'bits=0-4',
      'bytes=0-4;x',
      `bytes=${size}-${size}`,
      `bytes=${size - 1}-`,
      'bytes=9-3',
      '=0-4',
      '',
    ]
    for (const range of ranges) {
      for (const method of ['GET', 'HEAD']) {
        const text = `${method} /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\nRange: ${range}\r\nConnection: close\r\n\r\n`
        const { responses } = await rawExchange(url, text, { head: method === 'HEAD' ? [0] : [] })
        const res = responses[0]
        const what = `${method} Range: ${range.slice(0, 60)}`
        assert.ok(res, `${what}: no response`)
        assert.ok([200, 206, 416].includes(res.status), `${res.status} for ${what}`)
        if (res.status === 416) assert.equal(res.headers['content-range'], `bytes */${size}`, what)
        if (method === 'HEAD') continue
        if (res.status === 200) assert.deepEqual(res.body, whole, what)
        if (res.status === 206) {
          const [, start, end] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers['content-range'] ?? '') ?? []
          assert.deepEqual(res.body, whole.subarray(Number(start), Number(end) + 1), what)
        }
      }
    }
    // Range is not a list: two of them (joined with ", " by the parser) do not parse, and are ignored.
    const twice = await rawExchange(url, `GET /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\nConnection: close\r\n\r\n`)
    assert.equal(twice.responses[0]?.status, 200)
    assert.deepEqual(twice.responses[0]?.body, whole)
    for (const unsatisfiable of [`bytes=${size}-`, 'bytes=-0', 'bytes=9-3', `bytes=${size + 1}-${size + 9},${size}-`]) {
      const res = await request(url, `/v2/app/blobs/${layer}`, { headers: { range: unsatisfiable } })
      assert.equal(res.status, 416, unsatisfiable)
    }
    assertNoInternalErrors(logs)
  })

  it('cannot be used to smuggle a request: conflicting lengths are refused, a body is never parsed as a request', async (t) => {
    const { url, logs, layer } = await servedImage(t)
    const inner = `GET /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\n\r\n`
    // A GET with a body: the body is read and discarded, exactly one response.
    const withBody = await rawExchange(url, `GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: ${inner.length}\r\nConnection: close\r\n\r\n${inner}`)
    assert.deepEqual(
      withBody.responses.map((r) => r.status),
      [200],
    )
    const chunked = `${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`
    const refused = [
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`,
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde${inner}`,
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n${inner}`,
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n${chunked}`,
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n${inner}`,
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length : 0\r\n\r\n${inner}`,
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n${inner}`,
      `GET /v2/ HTTP/1.1\nHost: x\nContent-Length: 0\n\n${inner}`,
    ]
    for (const text of refused) {
      const { responses } = await rawExchange(url, text)
      const what = JSON.stringify(text.slice(0, 90))
      assert.ok(responses.length >= 1, `no response to ${what}`)
      // Either refused outright, or the smuggled request is the next request on the connection (never inside a body).
      for (const res of responses) assert.ok(res.status === 400 || res.status === 200, `${res.status} for ${what}`)
      assert.ok(responses.filter((r) => r.body.length > 1000).length === 0 || responses.length === 2, what)
    }
    // A chunked body on a GET is read as a body, not as a request.
    const body = await rawExchange(url, `GET /v2/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked}`)
    assert.deepEqual(
      body.responses.map((r) => r.status),
      [200],
    )
    assertNoInternalErrors(logs)
  })

  it('answers pipelined requests in order on one connection, errors included', async (t) => {
    const { image, url, logs, layer } = await servedImage(t)
    const text = [
      'GET /v2/app/manifests/latest HTTP/1.1\r\nHost: x\r\n\r\n',
      `HEAD /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'DELETE /v2/app/manifests/latest HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n`,
      'GET /v2/nope/manifests/latest HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET /v2/app/blobs/${layer} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ].join('')
    const { responses } = await rawExchange(url, text, { head: [1] })
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 405, 206, 404, 200, 200],
    )
    assert.deepEqual(responses[0]?.body, image.raw)
    assert.equal(responses[1]?.body.length, 0)
    assert.equal(responses[3]?.body.length, 10)
    assert.equal(sha256(responses[5]?.body ?? Buffer.alloc(0)), layer)
    assert.equal(responses[6]?.body.toString(), '{}')
    assertNoInternalErrors(logs)
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
