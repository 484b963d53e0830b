import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DEFAULT_MAX_CONNECTIONS } from '../registry/server/connections.ts'
import { DEFAULT_BLOB_MEMORY } from '../registry/server/handler.ts'
import { DEFAULT_SEND_TIMEOUT_MS } from '../registry/server/server.ts'
import { SERVE_HELP } from './help.ts'
import { parseServeArgs } from './serve.ts'

const limits = (...args: string[]) => parseServeArgs(['--image', 'app=/x', ...args])?.limits

describe('serve --max-connections, --send-timeout, --blob-memory', () => {
  test('unset, the server keeps its defaults', () => {
    assert.deepEqual(limits(), {})
  })

  test('become listen() options', () => {
    assert.deepEqual(limits('--max-connections', '500', '--send-timeout', '2.5', '--blob-memory', '256MiB'), {
      maxConnections: 500,
      sendTimeoutMs: 2500,
      blobMemory: 256 * 1024 * 1024,
    })
    assert.equal(limits('--send-timeout', '5m')?.sendTimeoutMs, 300_000)
    assert.equal(limits('--blob-memory', '3145728')?.blobMemory, 3 * 1024 * 1024)
    assert.equal(limits('--blob-memory', '4096KiB')?.blobMemory, 4 * 1024 * 1024)
    assert.equal(limits('--blob-memory', '1GiB')?.blobMemory, 1024 * 1024 * 1024)
  })

  for (const [args, message] of [
    [['--max-connections', '0'], /--max-connections "0" is not a number of connections: give a whole number of at least 1/],
    [['--max-connections', '1.5'], /--max-connections "1\.5"/],
    [['--max-connections', 'many'], /--max-connections "many"/],
    [['--send-timeout', '0'], /--send-timeout "0" is not a duration/],
    [['--send-timeout=-1'], /--send-timeout "-1" is not a duration/],
    [['--send-timeout', '30d'], /--send-timeout "30d" is not a duration/],
    [['--send-timeout', '1000h'], /--send-timeout "1000h" is out of range: give 0\.001 to 2147483 seconds/],
    [['--blob-memory', '1MiB'], /--blob-memory "1MiB" is not a size of at least 2 MiB/],
    [['--blob-memory', '64MB'], /--blob-memory "64MB" is not a size/],
    [['--blob-memory', '2.5MiB'], /--blob-memory "2\.5MiB" is not a size/],
  ] as const) {
    test(`${args.join(' ')} is a usage error`, () => {
      assert.throws(() => limits(...args), { code: 'ERR_LOCALREGISTRY_USAGE', message })
    })
  }

  test("--help states the server's defaults", () => {
    assert.match(SERVE_HELP, new RegExp(`--max-connections N +Most connections open at once \\(default ${DEFAULT_MAX_CONNECTIONS},`))
    assert.match(SERVE_HELP, new RegExp(`\\(default ${DEFAULT_SEND_TIMEOUT_MS / 1000}; 90s, 5m, 1h also work\\)`))
    assert.match(SERVE_HELP, new RegExp(`at least 2MiB \\(default ${DEFAULT_BLOB_MEMORY / (1024 * 1024)}MiB\\)`))
  })
})
