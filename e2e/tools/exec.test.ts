/**
 * Failure behaviour of the harness itself: errors name the command and show
 * stderr, nothing hangs, missing tools fail under CI and skip otherwise.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { parseImagesCheck } from './containerd.ts'
import { CommandError, commandLine, run, startDaemon, waitUntilReady } from './exec.ts'
import { withFreePort } from './free-port.ts'
import { haveTools, requireTool } from './require-tool.ts'

test('run returns stdout and fails with the command line and stderr tail', async () => {
  assert.equal((await run('sh', ['-c', 'printf ok'])).stdout, 'ok')
  await assert.rejects(run('sh', ['-c', 'echo boom >&2; exit 3']), (error: unknown) => {
    assert.ok(error instanceof CommandError)
    assert.equal(error.exitCode, 3)
    assert.match(error.message, /exited with 3: sh -c 'echo boom >&2; exit 3'/)
    assert.match(error.message, /stderr \(tail\) ---\nboom/)
    return true
  })
})

test('run kills a command at its timeout', async () => {
  const start = Date.now()
  await assert.rejects(run('sleep', ['30'], { timeoutMs: 200 }), /timed out after 200 ms: sleep 30/)
  assert.ok(Date.now() - start < 5_000)
})

test('run reports a binary that does not exist', async () => {
  await assert.rejects(run('/nonexistent/tool', ['x']), /failed to start: \/nonexistent\/tool x/)
})

test('commandLine quotes words a shell would split', () => {
  assert.equal(commandLine('ctr', ['--address', '/tmp/a b', "it's"]), `ctr --address '/tmp/a b' 'it'\\''s'`)
})

test('a daemon that exits early fails waitUntilReady with its output', async () => {
  await using daemon = startDaemon('sh', ['-c', 'echo cannot bind >&2; exit 1'])
  await assert.rejects(
    waitUntilReady(daemon, 'fake', async () => false),
    /fake exited before it was ready \(code 1[\s\S]*cannot bind/,
  )
})

test('a daemon is stopped by dispose, SIGKILL if it ignores SIGTERM', async () => {
  let pid: number | undefined
  {
    await using daemon = startDaemon('sh', ['-c', "trap '' TERM; while :; do sleep 0.05; done"], { stopTimeoutMs: 300 })
    pid = daemon.child.pid
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.ok(pid !== undefined)
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' })
})

test('withFreePort retries when the port was taken', async () => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  let attempts = 0
  const port = await withFreePort(async (candidate) => {
    attempts++
    if (attempts === 1) throw new Error(`listen tcp 127.0.0.1:${candidate}: bind: address already in use`)
    return candidate
  })
  taken.close()
  assert.equal(attempts, 2)
  assert.ok(port > 0)
})

test('requireTool skips locally and throws under CI', (t) => {
  const saved = process.env.CI
  try {
    delete process.env.CI
    assert.equal(requireTool('localregistry-no-such-tool'), undefined)
    const skips: string[] = []
    assert.equal(haveTools({ skip: (message = '') => void skips.push(message) }, 'sh', 'localregistry-no-such-tool'), false)
    assert.deepEqual(skips, ['localregistry-no-such-tool not installed: run scripts/setup-tools.sh (as root)'])
    process.env.CI = 'true'
    assert.throws(() => requireTool('localregistry-no-such-tool'), /not installed: run scripts\/setup-tools.sh.*CI=true/)
    assert.throws(() => haveTools(t, 'localregistry-no-such-tool'), /CI=true/)
    assert.match(requireTool('sh') ?? '', /^\/.*\/sh$/)
  } finally {
    if (saved === undefined) delete process.env.CI
    else process.env.CI = saved
  }
})

test("parseImagesCheck reads ctr's table", () => {
  const digest = `sha256:${'a'.repeat(64)}`
  const output = [
    'REF                        TYPE                                       DIGEST  STATUS         SIZE            UNPACKED ',
    `127.0.0.1:5055/test/img:v1 application/vnd.oci.image.manifest.v1+json ${digest} complete (2/2) 389.0 B/389.0 B true     `,
    `127.0.0.1:5055/test/img@${digest} application/vnd.oci.image.index.v1+json ${digest} incomplete (1/3) 1.0 KiB/2.0 KiB false`,
    '',
  ].join('\n')
  assert.deepEqual(parseImagesCheck(output), [
    { ref: '127.0.0.1:5055/test/img:v1', mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, status: 'complete (2/2)', unpacked: true },
    { ref: `127.0.0.1:5055/test/img@${digest}`, mediaType: 'application/vnd.oci.image.index.v1+json', digest, status: 'incomplete (1/3)', unpacked: false },
  ])
})
