import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ImageReferenceError } from '../../errors.ts'
import { formatReference, parseReference } from './reference.ts'

const DIGEST = `sha256:${'a'.repeat(64)}`

test('parses host, port, repository, tag and digest', () => {
  assert.deepEqual(parseReference(`127.0.0.1:5000/demo/app:v1@${DIGEST}`), {
    host: '127.0.0.1:5000',
    repository: 'demo/app',
    tag: 'v1',
    digest: DIGEST,
    scheme: 'http',
  })
  assert.deepEqual(parseReference(`registry.example/app@${DIGEST}`), {
    host: 'registry.example',
    repository: 'app',
    tag: undefined,
    digest: DIGEST,
    scheme: 'https',
  })
  assert.equal(parseReference('registry.example:443/a/b/c').tag, 'latest')
})

test('plain HTTP for loopback hosts or with plainHttp, HTTPS otherwise', () => {
  assert.equal(parseReference('localhost/app').scheme, 'http')
  assert.equal(parseReference('localhost:5000/app').scheme, 'http')
  assert.equal(parseReference('[::1]:5000/app').scheme, 'http')
  assert.equal(parseReference('[::1]/app').host, '[::1]')
  assert.equal(parseReference('10.0.0.1:5000/app').scheme, 'https')
  assert.equal(parseReference('10.0.0.1:5000/app', { plainHttp: true }).scheme, 'http')
  assert.equal(parseReference('localhost.example/app').scheme, 'https')
  for (const local of ['127.0.0.2:5000', '0.0.0.0:5000', '[::]:5000', 'LOCALHOST']) assert.equal(parseReference(`${local}/app`).scheme, 'http', local)
  for (const remote of ['127.0.0.1.example', '128.0.0.1', '[::2]']) assert.equal(parseReference(`${remote}/app`).scheme, 'https', remote)
})

test('formatReference round-trips', () => {
  for (const ref of [`h:1/a/b:t@${DIGEST}`, 'h/a:t', `h/a@${DIGEST}`]) assert.equal(formatReference(parseReference(ref)), ref)
})

test('rejects malformed references with an ImageReferenceError', () => {
  for (const bad of [
    'app:latest',
    '/app',
    'http://h/app',
    'h/App',
    'h/app:',
    'h/app:-x',
    'h/app@sha256:abc',
    'h:99999/app',
    'h/a//b',
    'h_x/app',
    'h/app@md5:' + 'a'.repeat(32),
    `h/${'a'.repeat(300)}`,
  ]) {
    assert.throws(() => parseReference(bad), ImageReferenceError, bad)
  }
})

test('credentials in a reference are refused and never repeated', () => {
  for (const [reference, secret] of [
    ['user:hunter2@127.0.0.1:5000/app', 'hunter2'],
    ['https://user:hunter2@registry.example/app:v1', 'hunter2'],
    ['user:pa/ss@registry.example/app', 'pa/ss'],
    [`user:p@ss@registry.example/app@${DIGEST}`, 'p@ss'],
    [`${'x'.repeat(2000)}:hunter2@h/app`, 'hunter2'],
  ] as const) {
    assert.throws(
      () => parseReference(reference),
      (error: unknown) => {
        assert.ok(error instanceof ImageReferenceError)
        assert.ok(!error.message.includes(secret) && !error.message.includes('user:'), error.message)
        assert.match(error.message, /REDACTED@|too long/)
        return true
      },
      reference,
    )
  }
  assert.throws(() => parseReference('h/app@notadigest'), /invalid digest "notadigest"/)
})
