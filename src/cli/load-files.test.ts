// Files that are not regular where `serve` reads at load (a layout's files, the Bazel manifest,
// runfiles manifests): one line naming the file and exit 1, never a read that blocks forever (a
// FIFO) or never ends (/dev/zero). A process that has not exited after HANG_MS is killed and
// the test fails: with a plain read it would wait for a FIFO writer forever, deaf to SIGTERM.

import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { LayoutStore } from '../oci/layout-store.ts'
import { buildFixtureLayout } from '../testing/index.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
/** Far longer than a load takes on a loaded machine; only a hung process reaches it. */
const HANG_MS = 60_000

async function serve(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' }
  const child = spawn(process.execPath, [MAIN, 'serve', '--listen', '127.0.0.1:0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS)
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
  clearTimeout(timer)
  assert.equal(signal, null, `serve ${args.join(' ')} hung and was killed after ${HANG_MS} ms; stderr: ${stderr}`)
  return { code, stdout, stderr }
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path])
}

async function layout(t: TestContext): Promise<{ dir: string; manifestBlob: string }> {
  const result = await buildFixtureLayout((await makeTempDir('test-', t)).join('layout'), { kind: 'image' })
  return { dir: result.dir, manifestBlob: new LayoutStore(result.dir).blobPath(result.digest) }
}

/** A Bazel manifest serving `app:1` from the runfiles path `_main/app`. */
async function bazelManifest(t: TestContext): Promise<string> {
  const file = (await makeTempDir('test-', t)).join('images.prototxt')
  await writeFile(file, 'images { repository: "app" tag: "1" path: "_main/app" }\n')
  return file
}

async function assertRefused(args: string[], file: string, what: RegExp): Promise<void> {
  const result = await serve(args)
  assert.equal(result.code, 1, result.stderr)
  assert.equal(result.stdout, '')
  assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`)
  assert.ok(result.stderr.includes(file), `names ${file}: ${result.stderr}`)
  assert.match(result.stderr, what)
}

describe('serve: files that are not regular at load', { concurrency: 4 }, () => {
  for (const name of ['oci-layout', 'index.json']) {
    test(`a FIFO as a layout's ${name}`, async (t) => {
      const { dir } = await layout(t)
      await rm(join(dir, name))
      mkfifo(join(dir, name))
      await assertRefused(['--image', `app=${dir}`], join(dir, name), /not a regular file \(a FIFO\)/)
    })
  }

  test("/dev/zero as a layout's index.json", async (t) => {
    const { dir } = await layout(t)
    await rm(join(dir, 'index.json'))
    await symlink('/dev/zero', join(dir, 'index.json'))
    await assertRefused(['--image', `app=${dir}`], join(dir, 'index.json'), /not a regular file \(a device\)/)
  })

  test("a FIFO as a layout's manifest blob", async (t) => {
    const { dir, manifestBlob } = await layout(t)
    await rm(manifestBlob)
    mkfifo(manifestBlob)
    await assertRefused(['--image', `app=${dir}`], manifestBlob, /not a regular file \(a FIFO\)/)
  })

  test('a FIFO as the Bazel manifest', async (t) => {
    const fifo = (await makeTempDir('test-', t)).join('images.prototxt')
    mkfifo(fifo)
    await assertRefused(['--manifest', fifo], fifo, /not a regular file \(a FIFO\)/)
  })

  test('a FIFO as the runfiles manifest', async (t) => {
    const fifo = (await makeTempDir('test-', t)).join('MANIFEST')
    mkfifo(fifo)
    await assertRefused(['--manifest', await bazelManifest(t), '--runfiles', fifo], fifo, /runfiles manifest .*not a regular file \(a FIFO\)/)
  })

  test("a FIFO as a runfiles tree's _repo_mapping", async (t) => {
    const tree = (await makeTempDir('test-', t)).join('test.runfiles')
    await mkdir(tree)
    mkfifo(join(tree, '_repo_mapping'))
    await assertRefused(['--manifest', await bazelManifest(t), '--runfiles', tree], join(tree, '_repo_mapping'), /not a regular file \(a FIFO\)/)
  })
})
