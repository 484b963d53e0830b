import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { readLayout } from '../oci/layout.ts'
import { buildFixtureLayout, type FixtureResult } from '../testing/index.ts'
import { DeadlineError, RegistryConnectionError, RegistryResponseError, UsageError } from '../errors.ts'
import { startRegistry } from '../api.ts'
import { PULL_HELP } from './help.ts'
import { formatBytes, runPullCommand } from './pull.ts'
import { helperAnswer, writeCredentialHelper } from '../../test/support/fake-credential-helper.ts'
import { type FakeRegistry, startFakeRegistry } from '../../test/support/fake-registry.ts'

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

describe('credentials and the deadline', () => {
  const LOGIN = { username: 'ci', password: 's3cret-pw' }
  const stdin = (text: string): Readable => Readable.from([Buffer.from(text)])

  test('--username with --password-stdin logs in; a wrong password is not repeated', async () => {
    await using locked = await startFakeRegistry({ layoutDir: source.dir, repository: 'demo', basic: LOGIN })
    const { io, out } = capture(false)
    const args = ['-u', 'ci', '--password-stdin', `${locked.host}/demo:latest`]
    assert.equal(await runPullCommand([...args, join(root, 'login')], { ...io, stdin: stdin('s3cret-pw\n') }), 0)
    assert.equal(out(), `${source.digest}\n`)
    await assert.rejects(runPullCommand([...args, join(root, 'wrong')], { ...io, stdin: stdin('wr0ng-pw\n') }), (error: unknown) => {
      assert.ok(error instanceof RegistryResponseError, String(error))
      assert.equal(error.status, 401)
      assert.ok(!error.message.includes('wr0ng-pw') && !error.message.includes(Buffer.from('ci:wr0ng-pw').toString('base64')), error.message)
      return true
    })
  })

  test("without --username, Docker's config is asked, and only when the registry wants credentials", async () => {
    const home = join(root, 'docker-home')
    const bin = join(home, 'bin')
    await mkdir(bin, { recursive: true })
    await writeFile(join(home, 'config.json'), JSON.stringify({ credsStore: 'fake' }))
    const log = await writeCredentialHelper(bin, 'fake', helperAnswer(LOGIN.username, LOGIN.password))
    const env = { DOCKER_CONFIG: home, PATH: `${bin}:${process.env['PATH'] ?? ''}` }
    const { io } = capture(false)
    await runPullCommand([`${registry.host}/demo:latest`, join(root, 'open')], { ...io, env })
    await assert.rejects(readFile(log), { code: 'ENOENT' }, 'the helper is not run for a registry that asks for nothing')
    await using locked = await startFakeRegistry({ layoutDir: source.dir, repository: 'demo', basic: LOGIN })
    assert.equal(await runPullCommand([`${locked.host}/demo:latest`, join(root, 'from-helper')], { ...io, env }), 0)
    assert.equal(await readFile(log, 'utf8'), `${locked.host}\n`)
  })

  test('--timeout ends a pull that takes too long, leaving nothing behind', async () => {
    await using stalled = await startFakeRegistry({ layoutDir: source.dir, repository: 'demo', stallBlobsAt: 1000 })
    const { io } = capture(false)
    const dir = join(root, 'too-slow')
    await assert.rejects(runPullCommand(['--timeout', '0.5', `${stalled.host}/demo:latest`, dir], io), (error: unknown) => {
      assert.ok(error instanceof DeadlineError, String(error))
      assert.match(error.message, /did not finish within --timeout 0\.5$/)
      return true
    })
    await assert.rejects(readdir(dir), { code: 'ENOENT' })
  })

  test('bad credential and timeout options are usage errors', async () => {
    const { io } = capture(false)
    const ref = `${registry.host}/demo:latest`
    for (const [args, message] of [
      [['-u', 'ci', ref, join(root, 'x')], /--username needs --password-stdin/],
      [['--password-stdin', ref, join(root, 'x')], /--password-stdin needs --username/],
      [['--timeout', 'soon', ref, join(root, 'x')], /--timeout "soon" is not a duration/],
      [['--timeout', '0', ref, join(root, 'x')], /--timeout "0" is not a duration/],
    ] as const) {
      await assert.rejects(
        runPullCommand([...args], { ...io, stdin: stdin('') }),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      )
    }
    await assert.rejects(runPullCommand(['-u', 'ci', '--password-stdin', ref, join(root, 'x')], { ...io, stdin: stdin('\n') }), /empty password/)
  })
})

describe('HTTPS: pulling from our own serve --tls', () => {
  test('--tls with --ca-file pulls from serve --tls on 127.0.0.1; a TLS/plain mismatch or an untrusted CA says what to do', async () => {
    await using tls = await startRegistry({ images: [{ repository: 'demo', tag: 'latest', layout: source.dir }], listen: '127.0.0.1:0', tls: {} })
    const caFile = join(root, 'serve-ca.pem')
    await writeFile(caFile, tls.caCertificate ?? assert.fail('a generated certificate has a CA'))
    const ref = `${tls.host}:${tls.port}/demo:latest`
    const { io, out } = capture(false)
    assert.equal(await runPullCommand(['--tls', '--ca-file', caFile, ref, join(root, 'over-tls')], io), 0)
    assert.equal(out(), `${source.digest}\n`)
    assert.equal((await readLayout(join(root, 'over-tls'))).entries[0]?.ref.digest, source.digest)
    const failsWith = (args: string[], message: RegExp) =>
      assert.rejects(runPullCommand(args, io), (error: unknown) => {
        assert.ok(error instanceof RegistryConnectionError && !error.retryable, String(error))
        assert.match(error.message, message)
        return true
      })
    await failsWith([ref, join(root, 'plain-to-tls')], /answers with TLS, not plain HTTP: pull with --tls/)
    await failsWith(['--tls', ref, join(root, 'untrusted')], /certificate of 127\.0\.0\.1:\d+ is not trusted .*--ca-file FILE/)
    await failsWith(['--tls', '--ca-file', caFile, `${registry.host}/demo:latest`, join(root, 'tls-to-plain')], /no TLS handshake .*--plain-http/)
  })

  test('--tls, --plain-http and --ca-file are checked', async () => {
    const { io } = capture(false)
    const ref = `${registry.host}/demo:latest`
    await assert.rejects(runPullCommand(['--tls', '--plain-http', ref, join(root, 'x')], io), /--plain-http and --tls contradict/)
    await assert.rejects(runPullCommand(['--ca-file', join(root, 'none.pem'), ref, join(root, 'x')], io), /--ca-file is for an HTTPS registry/)
    await assert.rejects(runPullCommand(['--tls', '--ca-file', join(root, 'none.pem'), ref, join(root, 'x')], io), /cannot read --ca-file .*none\.pem/)
    await writeFile(join(root, 'junk.pem'), 'junk')
    await assert.rejects(runPullCommand(['--tls', '--ca-file', join(root, 'junk.pem'), ref, join(root, 'x')], io), /junk\.pem holds no PEM certificate/)
  })
})
