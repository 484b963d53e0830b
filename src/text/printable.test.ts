import assert from 'node:assert/strict'
import { test } from 'node:test'
import { printable, printableTarget } from './printable.ts'

test('printable strips C0, DEL, C1 and bidirectional controls, and keeps the rest', () => {
  assert.equal(printable('a\u0000b\tc\r\nd\u001b[2Je\u007ff\u009b1mg\u202eh\u2066i\u061cj'), 'abcd[2Jef1mghij')
  assert.equal(printable('plain text, üñí, 漢字'), 'plain text, üñí, 漢字')
})

test('printableTarget cuts a long target to 300 characters, then makes it printable', () => {
  assert.equal(printableTarget('/v2/app\r\nforged 200'), '/v2/appforged 200')
  const long = `/v2/${'a'.repeat(400)}\u001b`
  assert.equal(printableTarget(long), `/v2/${'a'.repeat(296)}...(${long.length} chars)`)
})
