import assert from 'node:assert/strict'
import { test } from 'node:test'
import { redactUrl } from './redact.ts'

test('redactUrl removes user info and every query value but scope and service', () => {
  const url = 'https://user:secret@storage.example:8443/blobs/x?X-Amz-Signature=abc&scope=repository%3Ademo%3Apull&service=reg&token=t0k#frag'
  const redacted = redactUrl(url)
  assert.equal(redacted, 'https://storage.example:8443/blobs/x?X-Amz-Signature=REDACTED&scope=repository%3Ademo%3Apull&service=reg&token=REDACTED')
  for (const secret of ['user', 'secret', 'abc', 't0k', 'frag']) assert.ok(!redacted.includes(secret), secret)
})

test('redactUrl leaves a plain URL alone and never echoes an unparsable one', () => {
  assert.equal(redactUrl('http://127.0.0.1:5000/v2/demo/manifests/latest'), 'http://127.0.0.1:5000/v2/demo/manifests/latest')
  assert.equal(redactUrl('not a url?password=x'), '(unparsable URL)')
})
