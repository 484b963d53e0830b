// The index.json lock: one holder at a time, a lock whose process is gone is broken, and
// nothing of it is left behind.

import assert from 'node:assert/strict'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { INDEX_LOCK, withIndexLock } from './layout-lock.ts'
import { ownerRecord } from './owned-files.ts'
import { LayoutError } from '../errors.ts'
import { deadPid } from '../../test/support/layouts.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'

const ABORTED = new Error('the test stopped waiting')

/** A signal aborted with ABORTED a moment from now: it only ends a wait the test expects to last. */
function abortLater(): AbortSignal {
  const controller = new AbortController()
  setTimeout(() => controller.abort(ABORTED), 200)
  return controller.signal
}

/** Asserts that `waiting` ended through abortLater()'s abort, not by giving up or breaking the lock. */
async function abortedAfterWaiting(waiting: Promise<unknown>): Promise<void> {
  await assert.rejects(waiting, (error: unknown) => error === ABORTED || (error instanceof Error && error.cause === ABORTED))
}

describe('withIndexLock', () => {
  it('lets one holder in at a time, and leaves nothing behind', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const order: string[] = []
    let entered = (): void => {}
    const first = new Promise<void>((resolve) => (entered = resolve))
    const a = withIndexLock(dir, undefined, async () => {
      order.push('a in')
      entered()
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
      order.push('a out')
    })
    await first
    const b = withIndexLock(dir, undefined, async () => void order.push('b'))
    await Promise.all([a, b])
    assert.deepEqual(order, ['a in', 'a out', 'b'])
    assert.deepEqual(await readdir(dir), [])
  })

  it('breaks a lock whose process is gone (a writer SIGKILLed while holding it)', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await writeFile(join(dir, INDEX_LOCK), ownerRecord().replace(/^\d+/, String(await deadPid())))
    assert.equal(await withIndexLock(dir, undefined, async () => 'held'), 'held')
    assert.deepEqual(await readdir(dir), [])
  })

  it('an abort ends the wait for a held lock', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await writeFile(join(dir, INDEX_LOCK), ownerRecord())
    await assert.rejects(
      withIndexLock(dir, AbortSignal.abort(), async () => 'never'),
      { name: 'AbortError' },
    )
    assert.deepEqual(await readdir(dir), [INDEX_LOCK])
  })

  // The bound below only ends the wait: a lock that must be respected is respected however
  // long the wait, so the outcome does not depend on the machine's speed.
  it('never breaks a lock whose process is alive, however long it waits', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const record = ownerRecord()
    await writeFile(join(dir, INDEX_LOCK), record)
    let entered = false
    await abortedAfterWaiting(withIndexLock(dir, abortLater(), async () => void (entered = true)))
    assert.equal(entered, false)
    assert.equal(await readFile(join(dir, INDEX_LOCK), 'utf8'), record)
    assert.deepEqual(await readdir(dir), [INDEX_LOCK])
  })

  it('does not break a stale lock while a live writer holds the breaker', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const stale = ownerRecord().replace(/^\d+/, String(await deadPid()))
    const breaker = ownerRecord()
    await writeFile(join(dir, INDEX_LOCK), stale)
    await writeFile(join(dir, `${INDEX_LOCK}.break`), breaker)
    let entered = false
    await abortedAfterWaiting(withIndexLock(dir, abortLater(), async () => void (entered = true)))
    assert.equal(entered, false)
    assert.equal(await readFile(join(dir, INDEX_LOCK), 'utf8'), stale)
    assert.equal(await readFile(join(dir, `${INDEX_LOCK}.break`), 'utf8'), breaker)
  })

  it('gives up on a stale lock whose breaker a live writer holds, as on a live lock, naming the lock', { timeout: 30_000 }, async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await writeFile(join(dir, INDEX_LOCK), ownerRecord().replace(/^\d+/, String(await deadPid())))
    await writeFile(join(dir, `${INDEX_LOCK}.break`), ownerRecord())
    await assert.rejects(
      withIndexLock(dir, undefined, async () => 'never', 300),
      (error: unknown) => error instanceof LayoutError && error.message.includes(join(dir, INDEX_LOCK)),
    )
  })

  it('removes a breaker whose process is gone, then breaks the stale lock', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const stale = ownerRecord().replace(/^\d+/, String(await deadPid()))
    await writeFile(join(dir, INDEX_LOCK), stale)
    await writeFile(join(dir, `${INDEX_LOCK}.break`), stale)
    assert.equal(await withIndexLock(dir, undefined, async () => 'held'), 'held')
    assert.deepEqual(await readdir(dir), [])
  })

  it('a lock already gone when the holder finishes is not an error', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const result = withIndexLock(dir, undefined, async () => {
      await rm(join(dir, INDEX_LOCK))
      return 'held'
    })
    assert.equal(await result, 'held')
  })

  it('gives up on a lock whose process is alive after the wait, naming the lock and its process', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const record = ownerRecord()
    await writeFile(join(dir, INDEX_LOCK), record)
    let entered = false
    await assert.rejects(
      withIndexLock(dir, undefined, async () => void (entered = true), 1500),
      (error: unknown) => {
        assert.ok(error instanceof LayoutError, String(error))
        assert.equal(
          error.message,
          `${join(dir, INDEX_LOCK)}: index.json is locked by process ${process.pid} for over 1.5 s; if no pull into this layout is running, remove the lock file`,
        )
        return true
      },
    )
    assert.equal(entered, false)
    assert.equal(await readFile(join(dir, INDEX_LOCK), 'utf8'), record)
  })
})
