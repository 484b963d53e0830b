import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BufferPool, type PoolHolder, POOL_STALL_GRACE_MS } from './buffer-pool.ts'

const never = new Promise<void>(() => undefined)

function holder(lastProgress: number, onCutOff: () => void = () => undefined): PoolHolder {
  return { lastProgress, cutOff: onCutOff }
}

/** A holder whose transfer the test moves on by setting lastProgress. */
function progressing(onCutOff: () => void): { lastProgress: number; cutOff(): void } {
  return { lastProgress: Date.now(), cutOff: onCutOff }
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
    const goneClosed = Promise.withResolvers<void>()
    const gone = pool.acquire(holder(Date.now()), goneClosed.promise)
    const older = pool.acquire(holder(Date.now()), never).then((p) => (order.push('older'), p))
    const newer = pool.acquire(holder(Date.now()), never).then((p) => (order.push('newer'), p))
    goneClosed.resolve()
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

  it('cuts off a holder that made no progress for POOL_STALL_GRACE_MS while others wait, and only then', async (t) => {
    t.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 })
    const pool = new BufferPool(4 * 16, 16)
    const cut: string[] = []
    const stalled = holder(Date.now(), () => cut.push('stalled'))
    const busy = progressing(() => cut.push('busy'))
    const stalledPair = await pool.acquire(stalled, never)
    await pool.acquire(busy, never)
    t.mock.timers.tick(POOL_STALL_GRACE_MS)
    busy.lastProgress = Date.now()
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

  it('counts the grace of a holder from when it got its pair: a long wait for buffers is no stall', async (t) => {
    t.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 })
    const pool = new BufferPool(2 * 16, 16)
    const cut: string[] = []
    const first = progressing(() => cut.push('first'))
    const firstPair = await pool.acquire(first, never)
    assert.ok(firstPair)
    // Its request came now; it waits while the first transfer runs (and progresses) for 3 graces.
    const late = holder(Date.now(), () => cut.push('late'))
    const lateWait = pool.acquire(late, never)
    for (let i = 0; i < 6; i++) {
      t.mock.timers.tick(POOL_STALL_GRACE_MS / 2)
      first.lastProgress = Date.now()
    }
    pool.release(firstPair[0])
    pool.release(firstPair[1])
    pool.leave(first)
    assert.ok(await lateWait)
    void pool.acquire(holder(Date.now()), never)
    t.mock.timers.tick(POOL_STALL_GRACE_MS - 1)
    assert.deepEqual(cut, [], 'the waiter is not cut off for the time it waited')
    t.mock.timers.tick(1)
    assert.deepEqual(cut, ['late'], 'a grace after it got its pair without progress, it is')
  })

  it('serves every waiter in the end: newcomers take every other pair, the oldest waiter the others', async () => {
    const pool = new BufferPool(2 * 16, 16)
    let pair = await pool.acquire(holder(Date.now()), never)
    const granted: Array<{ name: string; pair: [Buffer, Buffer] | undefined }> = []
    const wait = (name: string): void => void pool.acquire(holder(Date.now()), never).then((p) => granted.push({ name, pair: p }))
    wait('oldest')
    wait('second')
    // Each time the running transfer ends, a new request has come: the pair goes to the newest, then to the oldest.
    for (let round = 0; round < 4; round++) {
      wait(`newcomer ${round}`)
      assert.ok(pair)
      pool.release(pair[0])
      pool.release(pair[1])
      await new Promise((resolve) => setImmediate(resolve))
      pair = granted.at(-1)?.pair
    }
    assert.deepEqual(
      granted.map((g) => g.name),
      ['newcomer 0', 'oldest', 'newcomer 2', 'second'],
    )
    assert.equal(pool.waiting, 2)
  })
})

describe('BufferPool cut-off timing', () => {
  it('looks again when the next holder would be stalled for POOL_STALL_GRACE_MS, while someone waits; a holder that left is never cut off', async (t) => {
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
    t.mock.timers.tick(POOL_STALL_GRACE_MS + 99)
    assert.deepEqual(cut, [])
    t.mock.timers.tick(1)
    assert.deepEqual(cut, ['early'])
    pool.release(earlyPair[0])
    pool.release(earlyPair[1])
    pool.leave(early)
    assert.ok(await waiting)
    // Nobody waits any more: late is not cut off, however long it stalls.
    t.mock.timers.tick(10 * POOL_STALL_GRACE_MS)
    assert.deepEqual(cut, ['early'])
  })
})

describe('BufferPool: waiters and cut-offs at the edges', () => {
  it('a request that closes after it got its pair leaves the other waiters waiting', async () => {
    const pool = new BufferPool(2 * 16, 16)
    const pair = await pool.acquire(holder(Date.now()), never)
    assert.ok(pair)
    const older = pool.acquire(holder(Date.now()), never)
    const newerClosed = Promise.withResolvers<void>()
    const newer = pool.acquire(holder(Date.now()), newerClosed.promise)
    pool.release(pair[0])
    pool.release(pair[1])
    const newerPair = await newer
    assert.ok(newerPair)
    newerClosed.resolve()
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(pool.waiting, 1, 'the older request still waits')
    pool.release(newerPair[0])
    pool.release(newerPair[1])
    assert.ok(await older)
  })

  it('never cuts off a request that went away while it waited', async (t) => {
    t.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 })
    const pool = new BufferPool(2 * 16, 16)
    const cut: string[] = []
    const running = progressing(() => cut.push('running'))
    assert.ok(await pool.acquire(running, never))
    const goneClosed = Promise.withResolvers<void>()
    const gone = pool.acquire(
      holder(Date.now(), () => cut.push('gone')),
      goneClosed.promise,
    )
    goneClosed.resolve()
    assert.equal(await gone, undefined)
    void pool.acquire(holder(Date.now()), never)
    for (let i = 0; i < 6; i++) {
      t.mock.timers.tick(POOL_STALL_GRACE_MS / 2)
      running.lastProgress = Date.now()
    }
    assert.deepEqual(cut, [])
  })

  it('cuts off a waiter that got its pair from a cut-off holder, once it stalls too, while others still wait', async (t) => {
    t.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 })
    const pool = new BufferPool(2 * 16, 16)
    const cut: string[] = []
    let firstPair: [Buffer, Buffer] | undefined
    const first: PoolHolder = holder(Date.now(), () => {
      cut.push('first')
      if (firstPair === undefined) return
      pool.release(firstPair[0])
      pool.release(firstPair[1])
      pool.leave(first)
    })
    firstPair = await pool.acquire(first, never)
    void pool.acquire(
      holder(Date.now(), () => cut.push('older')),
      never,
    )
    const newer = pool.acquire(
      holder(Date.now(), () => cut.push('newer')),
      never,
    )
    t.mock.timers.tick(POOL_STALL_GRACE_MS)
    assert.deepEqual(cut, ['first'])
    assert.ok(await newer)
    t.mock.timers.tick(POOL_STALL_GRACE_MS - 1)
    assert.deepEqual(cut, ['first'])
    t.mock.timers.tick(1)
    assert.deepEqual(cut, ['first', 'newer'])
  })

  it('cuts off nobody when a transfer gets a free pair while nobody waits, and each stalled holder only once', async (t) => {
    t.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 })
    const pool = new BufferPool(4 * 16, 16)
    const cut: string[] = []
    assert.ok(
      await pool.acquire(
        holder(Date.now(), () => cut.push('stalled')),
        never,
      ),
    )
    t.mock.timers.tick(POOL_STALL_GRACE_MS + 1)
    assert.ok(
      await pool.acquire(
        holder(Date.now(), () => cut.push('newcomer')),
        never,
      ),
    )
    assert.deepEqual(cut, [], 'nobody waits')
    // Now one waits: the stalled holder is cut off (its response is destroyed; it leaves later).
    void pool.acquire(holder(Date.now()), never)
    assert.deepEqual(cut, ['stalled'])
    // A grace after the newcomer got its pair, it is cut off too; the first holder, still not gone, not again.
    t.mock.timers.tick(POOL_STALL_GRACE_MS)
    assert.deepEqual(cut, ['stalled', 'newcomer'])
  })
})
