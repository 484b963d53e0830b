// The memory blob transfers read into: a fixed budget of chunk-sized buffers shared by every
// transfer, so memory is bounded by the budget, not by the number of connections. A transfer
// holds a pair (one read while the other is written); a buffer a pending write may still read
// from is abandoned, not reused. When the budget is used up, requests wait, and every waiter is
// served in the end: pairs go alternately to the newest waiter (a burst of clients that never
// read cannot starve a later live one) and the oldest (none waits for ever), and while anyone
// waits, a holder whose socket took nothing for POOL_STALL_GRACE_MS is cut off to free its pair.

/**
 * How long a transfer may make no progress before it is cut off for a waiting one. Seconds, not
 * less: a live client on a loaded machine can leave its socket unread for over a second (a
 * rate-limited curl pauses ~1.6 s), and a client that cannot resume with Range loses its whole
 * download when cut off; a client that never reads holds its pair this long at most.
 */
export const POOL_STALL_GRACE_MS = 5000

export interface PoolHolder {
  /** When the holder's socket last took bytes (a stall counts from its grant at the earliest). */
  readonly lastProgress: number
  /** Ends the holder's transfer (destroys its response). */
  cutOff(): void
}

interface Waiter {
  readonly grant: (pair: [Buffer, Buffer]) => void
}

export class BufferPool {
  readonly chunkSize: number
  readonly #maxBuffers: number
  readonly #free: Buffer[] = []
  /** Buffers handed out or free: at most #maxBuffers. */
  #count = 0
  /** Oldest first. */
  readonly #waiters: Waiter[] = []
  /** Whether the next pair goes to the oldest waiter (else to the newest). */
  #oldestNext = false
  /** Each holder with when it got its pair. */
  readonly #holders = new Map<PoolHolder, number>()
  #timer: NodeJS.Timeout | undefined

  constructor(budgetBytes: number, chunkSize: number) {
    this.chunkSize = chunkSize
    this.#maxBuffers = Math.max(2, Math.floor(budgetBytes / chunkSize))
  }

  /** A pair of buffers for `holder`; undefined if `closed` resolves first (the request went away while waiting). */
  async acquire(holder: PoolHolder, closed: Promise<void>): Promise<[Buffer, Buffer] | undefined> {
    const pair = this.#take() ?? (await this.#wait(closed))
    if (pair === undefined) return undefined
    this.#holders.set(holder, Date.now())
    this.#scheduleCutOff()
    return pair
  }

  /** Gives back a buffer the socket is done with. */
  release(buffer: Buffer): void {
    this.#free.push(buffer)
    this.#serveWaiters()
  }

  /** Forgets a buffer a pending write may still read from: the pool may allocate a new one in its place. */
  abandon(): void {
    this.#count--
    this.#serveWaiters()
  }

  /** The holder's transfer ended (after releasing or abandoning both its buffers). */
  leave(holder: PoolHolder): void {
    this.#holders.delete(holder)
  }

  /** Requests waiting for buffers (for tests and the log). */
  get waiting(): number {
    return this.#waiters.length
  }

  #take(): [Buffer, Buffer] | undefined {
    if (this.#free.length + (this.#maxBuffers - this.#count) < 2) return undefined
    return [this.#one(), this.#one()]
  }

  #one(): Buffer {
    const free = this.#free.pop()
    if (free !== undefined) return free
    this.#count++
    return Buffer.allocUnsafeSlow(this.chunkSize)
  }

  #wait(closed: Promise<void>): Promise<[Buffer, Buffer] | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = { grant: resolve }
      this.#waiters.push(waiter)
      this.#scheduleCutOff()
      void closed.then(() => {
        const index = this.#waiters.indexOf(waiter)
        if (index === -1) return
        this.#waiters.splice(index, 1)
        resolve(undefined)
      })
    })
  }

  #serveWaiters(): void {
    while (this.#waiters.length > 0) {
      const pair = this.#take()
      if (pair === undefined) return
      const waiter = (this.#oldestNext ? this.#waiters.shift() : this.#waiters.pop()) as Waiter
      this.#oldestNext = !this.#oldestNext
      waiter.grant(pair)
    }
  }

  /** While anyone waits: cuts off every holder stalled for POOL_STALL_GRACE_MS, and looks again when the next one would be. */
  #scheduleCutOff(): void {
    if (this.#timer !== undefined || this.#waiters.length === 0) return
    const now = Date.now()
    let next = Number.POSITIVE_INFINITY
    for (const [holder, grantedAt] of this.#holders) {
      const due = Math.max(holder.lastProgress, grantedAt) + POOL_STALL_GRACE_MS
      if (due <= now) {
        this.#holders.delete(holder)
        holder.cutOff()
      } else {
        next = Math.min(next, due)
      }
    }
    if (next === Number.POSITIVE_INFINITY || this.#waiters.length === 0) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#scheduleCutOff()
    }, next - now)
    this.#timer.unref()
  }
}
