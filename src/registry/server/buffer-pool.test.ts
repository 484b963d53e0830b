import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BufferPool, type PoolHolder, STALL_GRACE_MS } from './buffer-pool.ts'

const never = new Promise<void>(() => undefined)

function holder(lastProgress: number, onCutOff: () => void = () => undefined): PoolHolder {
  return { lastProgress, cutOff: onCutOff }
}

describe('BufferPool', () => {
  it('hands out pairs within its budget, reuses released buffers and lets a waiter in when a pair comes back', async () => {
    const pool = new BufferPool(4 * 16, 16)
    const a = holder(Date.now())
    const b = holder(Date.now())
    const first = await pool.acquire(a, never)
    const second = await pool.acquire(b, never)
    assert.ok(first && second)
    assert.equal(first[0].length, 16)
    const third = pool.acquire(holder(Date.now()), never)
    assert.equal(pool.waiting, 1)
    pool.release(first[0])
    assert.equal(pool.waiting, 1, 'one buffer is not a pair')
    pool.abandon()
    pool.leave(a)
    const granted = await third
    assert.ok(granted)
    assert.ok(granted.includes(first[0]), 'the released buffer is reused')
    assert.equal(pool.waiting, 0)
  })

  it('serves the newest waiter first, and drops a waiter whose request closed', async () => {
    const pool = new BufferPool(2 * 16, 16)
    const a = holder(Date.now())
    const pair = await pool.acquire(a, never)
    assert.ok(pair)
    const order: string[] = []
    let closeGone: () => void = () => undefined
    const gone = pool.acquire(holder(Date.now()), new Promise((resolve) => (closeGone = resolve)))
    const older = pool.acquire(holder(Date.now()), never).then((p) => (order.push('older'), p))
    const newer = pool.acquire(holder(Date.now()), never).then((p) => (order.push('newer'), p))
    closeGone()
    assert.equal(await gone, undefined)
    assert.equal(pool.waiting, 2)
    pool.release(pair[0])
    pool.release(pair[1])
    const second = await newer
    assert.ok(second)
    assert.deepEqual(order, ['newer'])
    pool.release(second[0])
    pool.release(second[1])
    await older
    assert.deepEqual(order, ['newer', 'older'])
  })

  it('cuts off a holder that made no progress for STALL_GRACE_MS while others wait, and only then', async () => {
    const pool = new BufferPool(4 * 16, 16)
    const cut: string[] = []
    const stalled = holder(Date.now() - STALL_GRACE_MS - 1, () => cut.push('stalled'))
    const busy = holder(Date.now() + 60_000, () => cut.push('busy'))
    const stalledPair = await pool.acquire(stalled, never)
    await pool.acquire(busy, never)
    assert.deepEqual(cut, [], 'nobody waits: nobody is cut off')
    assert.ok(stalledPair)
    const waiting = pool.acquire(holder(Date.now()), never)
    assert.deepEqual(cut, ['stalled'])
    // The cut-off transfer gives its buffers back (one still in a pending write: abandoned).
    pool.release(stalledPair[0])
    pool.abandon()
    pool.leave(stalled)
    assert.ok(await waiting)
    assert.deepEqual(cut, ['stalled'])
  })
})

describe('BufferPool cut-off timing', () => {
  it('looks again when the next holder would be stalled for STALL_GRACE_MS, while someone waits; a holder that left is never cut off', async (t) => {
    t.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 })
    const pool = new BufferPool(4 * 16, 16)
    const cut: string[] = []
    const gone = holder(Date.now(), () => cut.push('gone'))
    const early = holder(Date.now() + 100, () => cut.push('early'))
    const late = holder(Date.now() + 500, () => cut.push('late'))
    const gonePair = await pool.acquire(gone, never)
    assert.ok(gonePair)
    pool.release(gonePair[0])
    pool.release(gonePair[1])
    pool.leave(gone)
    const earlyPair = await pool.acquire(early, never)
    await pool.acquire(late, never)
    assert.ok(earlyPair)
    const waiting = pool.acquire(holder(Date.now()), never)
    assert.deepEqual(cut, [])
    t.mock.timers.tick(STALL_GRACE_MS + 99)
    assert.deepEqual(cut, [])
    t.mock.timers.tick(1)
    assert.deepEqual(cut, ['early'])
    pool.release(earlyPair[0])
    pool.release(earlyPair[1])
    pool.leave(early)
    assert.ok(await waiting)
    // Nobody waits any more: late is not cut off, however long it stalls.
    t.mock.timers.tick(10 * STALL_GRACE_MS)
    assert.deepEqual(cut, ['early'])
  })
})
