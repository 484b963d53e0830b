import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ContentMismatchError, RegistryConnectionError, RegistryResponseError } from '../../errors.ts'
import { isRetryableStatus, parseRetryAfter, retryDelay, sleep, withRetries } from './retry.ts'

const responseError = (status: number, retryAfter?: Date): RegistryResponseError =>
  new RegistryResponseError(`HTTP ${status}`, { status, url: 'http://h/', retryable: isRetryableStatus(status), ...(retryAfter && { retryAfter }) })

test('status classification: 5xx but 501/505/511, 408, 425 and 429 are transient', () => {
  for (const status of [500, 502, 503, 504, 507, 599, 408, 425, 429]) assert.equal(isRetryableStatus(status), true, String(status))
  for (const status of [400, 401, 403, 404, 405, 409, 416, 501, 505, 511, 300, 600]) assert.equal(isRetryableStatus(status), false, String(status))
})

test('Retry-After as seconds or HTTP-date; junk is ignored', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')
  assert.equal(parseRetryAfter('120', now)?.getTime(), now + 120_000)
  assert.equal(parseRetryAfter(' 0 ', now)?.getTime(), now)
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)?.getTime(), now + 60_000)
  assert.equal(parseRetryAfter('Wednesday, 01-Jan-25 00:01:00 GMT', now)?.getTime(), now + 60_000)
  for (const junk of [undefined, '', '10s', '-5', '1.5', 'soon', '2025-01-01']) assert.equal(parseRetryAfter(junk, now), undefined, String(junk))
})

test('retryDelay: permanent errors and exhausted attempts give up', () => {
  assert.equal(retryDelay(responseError(404), 1), undefined)
  assert.equal(retryDelay(new ContentMismatchError('bad digest'), 1), undefined)
  assert.equal(retryDelay(new Error('a bug'), 1), undefined)
  assert.equal(retryDelay(responseError(503), 3, { maxAttempts: 3 }), undefined)
  const delay = retryDelay(new RegistryConnectionError('reset', true), 2, { initialDelayMs: 100 })
  assert.ok(delay !== undefined && delay > 100 && delay <= 200, String(delay))
})

test('retryDelay: Retry-After beats a shorter backoff, up to the deadline', () => {
  const now = 1_000_000
  const asks = (seconds: number): RegistryResponseError => responseError(503, new Date(now + seconds * 1000))
  assert.equal(retryDelay(asks(30), 1, {}, now), 30_000)
  assert.equal(retryDelay(asks(30), 1, { deadline: now + 60_000 }, now), 30_000)
  assert.equal(retryDelay(asks(30), 1, { deadline: now + 10_000 }, now), undefined)
  assert.equal(retryDelay(asks(3600), 1, {}, now), undefined) // no deadline: capped by maxRetryAfterMs
  assert.equal(retryDelay(asks(3600), 1, { deadline: now + 7200_000 }, now), 3600_000)
})

test('withRetries retries transient failures only and returns the first success', async () => {
  let calls = 0
  const value = await withRetries(
    async () => {
      calls++
      if (calls < 3) throw responseError(503)
      return 'ok'
    },
    { initialDelayMs: 1 },
  )
  assert.equal(value, 'ok')
  assert.equal(calls, 3)
  calls = 0
  await assert.rejects(
    withRetries(async () => {
      calls++
      throw responseError(404)
    }),
    RegistryResponseError,
  )
  assert.equal(calls, 1)
})

test('sleep and withRetries stop at once on abort', async () => {
  const controller = new AbortController()
  const started = Date.now()
  setTimeout(() => controller.abort(new Error('stop')), 20)
  await assert.rejects(sleep(10_000, controller.signal), /stop/)
  await assert.rejects(
    withRetries(
      async () => {
        throw responseError(503)
      },
      { initialDelayMs: 10_000, signal: controller.signal },
    ),
    /stop/,
  )
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms: the 10 s backoff was not cut short`)
})
