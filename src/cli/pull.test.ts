import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { readLayout } from '../oci/layout.ts'
import { buildFixtureLayout, type FixtureResult } from '../testing/index.ts'
import { UsageError } from '../errors.ts'
import { PULL_HELP } from './help.ts'
import { formatBytes, runPullCommand } from './pull.ts'
import { type FakeRegistry, startFakeRegistry } from '../registry/client/testing/fake-registry.ts'

let root: string
let source: FixtureResult
let registry: FakeRegistry

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'localregistry-pull-command-'))
  source = await buildFixtureLayout(join(root, 'source'), { kind: 'index', layerSize: 300_000 })
  registry = await startFakeRegistry({ layoutDir: source.dir, repository: 'demo' })
})
after(async () => {
  await registry.close()
  await rm(root, { recursive: true, force: true })
})

function capture(isTTY: boolean): { io: Parameters<typeof runPullCommand>[1]; out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    io: { isTTY, stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } },
    out: () => out,
    err: () => err,
  }
}

test('pulls, prints the digest on stdout and nothing else when not on a terminal', async () => {
  const { io, out, err } = capture(false)
  const dir = join(root, 'plain')
  assert.equal(await runPullCommand([`${registry.host}/demo:latest`, dir], io), 0)
  assert.equal(out(), `${source.digest}\n`)
  assert.equal(err(), '')
  assert.equal((await readLayout(dir)).entries[0]?.ref.digest, source.digest)
})

test('on a terminal: one updating progress line on stderr, ending in a newline', async () => {
  const { io, out, err } = capture(true)
  await runPullCommand([`${registry.host}/demo:latest`, join(root, 'tty')], io)
  assert.equal(out(), `${source.digest}\n`)
  assert.match(err(), /^\r\x1b\[2Kpulling .*demo:latest: \d+\/\d+ blobs/)
  assert.equal(err().split('\n').length, 2, 'one line')
  assert.match(err(), /(\d+)\/\1 blobs, ([\d.]+ \w+) \/ \2\n$/)
})

test('--quiet silences progress on a terminal; --platform picks one image', async () => {
  const { io, err } = capture(true)
  const dir = join(root, 'quiet')
  await runPullCommand(['--quiet', '--platform', 'linux/amd64', `${registry.host}/demo:latest`, dir], io)
  assert.equal(err(), '')
  assert.equal((await readLayout(dir)).entries[0]?.ref.kind, 'image')
})

test('--help prints usage; bad arguments are UsageErrors', async () => {
  const { io, out } = capture(false)
  assert.equal(await runPullCommand(['--help'], io), 0)
  assert.equal(out(), PULL_HELP)
  assert.match(PULL_HELP, /--plain-http/)
  await assert.rejects(runPullCommand([], io), UsageError)
  await assert.rejects(runPullCommand(['a/b', 'dir', 'extra'], io), UsageError)
  await assert.rejects(runPullCommand(['--bogus', 'a/b', 'dir'], io), UsageError)
  await assert.rejects(runPullCommand(['no-host', join(root, 'x')], io), /invalid image reference/)
})

test('formatBytes', () => {
  assert.equal(formatBytes(12), '12 B')
  assert.equal(formatBytes(1536), '1.5 KiB')
  assert.equal(formatBytes(5 * 1024 * 1024), '5.0 MiB')
})
