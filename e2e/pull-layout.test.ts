/**
 * `localregistry pull` processes and the layout they write (issue 16, item 3): many pulls of
 * different tags into one layout at once keep every tag, into an existing layout and into a
 * new directory; what a SIGKILLed pull leaves behind is removed by the next pull (and a running
 * pull's files are not); a full file system is reported naming the file being written.
 * Correctness never depends on timing: the pulls race as they will, and each test waits for
 * conditions (a file appearing), bounded, never for time.
 *
 * Run: node_modules/.bin/node --test e2e/pull-layout.test.ts
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { startRegistry } from '../src/api.ts'
import { readLayout, selectEntry } from '../src/oci/index.ts'
import { ownedName } from '../src/oci/owned-files.ts'
import { startFakeRegistry } from '../test/support/fake-registry.ts'
import { buildFixtureLayout } from '../src/testing/index.ts'
import { haveRoot, haveTools } from './tools/require-tool.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
const PULLS = 8

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

function startPull(args: string[], wrapper: string[] = []): { child: ChildProcess; exit: Promise<Exit> } {
  const [file, ...rest] = [...wrapper, process.execPath, MAIN, 'pull', ...args] as [string, ...string[]]
  const child = spawn(file, rest, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, stderr }))
  return { child, exit }
}

/** Waits until `dir` has an entry `ready` accepts (checked every 50 ms, at most 60 s): a condition, not a time. */
async function appears(dir: string, ready: (name: string) => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    for (const name of await readdir(dir).catch(() => [])) if (await ready(name)) return
    await sleep(50)
  }
  throw new Error(`nothing matching appeared in ${dir}`)
}

async function refNames(dir: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> }
  return index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '').sort()
}

describe('pulls at once into one layout', () => {
  for (const start of ['an existing layout', 'a new directory']) {
    test(`${PULLS} pulls of different tags into ${start}: all succeed and every tag is there`, async () => {
      await using dir = await makeTempDir('pull-layout-')
      const fixtures = await Promise.all(
        Array.from({ length: PULLS }, (_, i) => buildFixtureLayout(dir.join(`source-${i}`), { kind: i % 2 ? 'index' : 'image', name: `p${i}` })),
      )
      await using registry = await startRegistry({
        images: fixtures.map((f, i) => ({ repository: 'demo', tag: `t${i}`, layout: f.dir })),
        listen: '127.0.0.1:0',
      })
      const target = dir.join('target')
      const before = start === 'a new directory' ? [] : ['latest']
      if (start === 'an existing layout') await buildFixtureLayout(target, { kind: 'image', name: 'old' })
      const pulls = fixtures.map((_, i) => startPull(['-q', `127.0.0.1:${registry.port}/demo:t${i}`, target]))
      for (const { exit } of pulls) assert.deepEqual(await exit, { code: 0, signal: null, stderr: '' })
      assert.deepEqual(await refNames(target), [...before, ...fixtures.map((_, i) => `t${i}`)].sort())
      const layout = await readLayout(target)
      for (const [i, f] of fixtures.entries()) assert.equal(selectEntry(layout, `t${i}`).ref.digest, f.digest)
      assert.deepEqual(
        (await readdir(dir.path)).filter((name) => name.startsWith('.')),
        [],
        'no temporary directory left',
      )
    })
  }
})

describe('what a SIGKILLed pull leaves behind', () => {
  test('the next pull removes the temp files of killed pulls, and keeps those of running ones', async () => {
    await using dir = await makeTempDir('pull-killed-')
    const source = await buildFixtureLayout(dir.join('source'), { kind: 'image', layerSize: 300_000 })
    await using registry = await startFakeRegistry({ layoutDir: source.dir, repository: 'demo' })
    const existing = dir.join('existing')
    await buildFixtureLayout(existing, { kind: 'image', name: 'old' })
    const fresh = dir.join('fresh')
    const blobs = join(existing, 'blobs', 'sha256')
    const killed = async (target: string, where: string, match: (name: string) => boolean, ready: (name: string) => Promise<boolean>): Promise<string[]> => {
      // Each blob's first response from this registry stalls after 1000 bytes: the pull stays mid-blob, its temp file open.
      await using stalling = await startFakeRegistry({ layoutDir: source.dir, repository: 'demo', stallBlobsAt: 1000 })
      const pull = startPull([`${stalling.host}/demo:latest`, target])
      try {
        await appears(where, ready)
      } finally {
        pull.child.kill('SIGKILL')
        assert.equal((await pull.exit).signal, 'SIGKILL')
      }
      const left = (await readdir(where)).filter(match)
      assert.ok(left.length > 0, `the killed pull left no temp file in ${where}`)
      return left
    }
    // A temp file once the config blob is in place: the config's own temp file is gone by then, and
    // what is left belongs to a layer whose download stalled, which stays until the pull is killed.
    const image = selectEntry(await readLayout(source.dir)).ref
    assert.equal(image.kind, 'image')
    const config = join(blobs, image.manifest.config.digest.slice('sha256:'.length))
    const isTemp = (name: string): boolean => name.startsWith('.tmp-')
    const stalled = async (name: string): Promise<boolean> => isTemp(name) && (await stat(config).catch(() => undefined)) !== undefined
    const staleBlobs = await killed(existing, blobs, isTemp, stalled)
    const isWork = (name: string): boolean => name.startsWith('.fresh.tmp-')
    const staleDirs = await killed(fresh, dir.path, isWork, async (name) => isWork(name))
    // A running writer's temp files (this process's) and another machine's are not stale.
    const live = ownedName('.tmp-')
    const otherHost = `.tmp-${process.pid}-00000000-0123456789ab`
    for (const name of [live, otherHost]) await writeFile(join(blobs, name), 'partial')
    await mkdir(dir.join(ownedName('.fresh.tmp-')))

    for (const target of [existing, fresh]) {
      const pull = startPull(['-q', `${registry.host}/demo:latest`, target])
      assert.deepEqual(await pull.exit, { code: 0, signal: null, stderr: '' })
    }
    const left = await readdir(blobs)
    assert.deepEqual(
      staleBlobs.filter((name) => left.includes(name)),
      [],
      'stale temp files are left',
    )
    assert.ok(left.includes(live) && left.includes(otherHost), 'a running or foreign writer lost its temp file')
    const siblings = await readdir(dir.path)
    assert.deepEqual(
      staleDirs.filter((name) => siblings.includes(name)),
      [],
      'stale temp directories are left',
    )
    assert.equal(siblings.filter((name) => name.startsWith('.fresh.tmp-')).length, 1, 'the running writer keeps its directory')
    assert.equal(selectEntry(await readLayout(fresh), 'latest').ref.digest, source.digest)
  })
})

test('a full file system is reported naming the file being written', async (t) => {
  if (!haveTools(t, 'unshare', 'mount') || !haveRoot(t, 'a tmpfs in a mount namespace')) return
  await using dir = await makeTempDir('pull-enospc-')
  const source = await buildFixtureLayout(dir.join('source'), { kind: 'image', layerSize: 1024 * 1024 })
  await using registry = await startFakeRegistry({ layoutDir: source.dir, repository: 'demo' })
  const small = dir.join('small')
  await mkdir(small)
  // A 256 KiB tmpfs in a mount namespace of the pull's own: it goes away with the process.
  const wrapper = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=256k tmpfs "${small}" && exec "$@"`, 'sh']
  const pull = await startPull([`${registry.host}/demo:latest`, join(small, 'layout')], wrapper).exit
  assert.equal(pull.code, 1, pull.stderr)
  assert.match(
    pull.stderr,
    new RegExp(`^localregistry: cannot write blob sha256:[0-9a-f]{64} of the layout ${small}/layout \\(${small}/\\.layout\\.tmp-[^)]+\\): ENOSPC`),
  )
})
