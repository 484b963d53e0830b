// The lock on a layout's index.json. Writers that add entries to one layout at once each read
// index.json, merge their entries in and rename a new one over it; the lock makes that
// read-merge-rename one step, so that no writer's entry is lost. Node has no flock(2) without
// native code, so the lock is a file made atomically with link(2), which fails when the name
// exists, from a temporary file that already holds the owner record (pid, host, nonce): a lock
// file is never seen empty. It is held for the milliseconds of one index.json write. A lock
// whose owner is gone (a writer SIGKILLed while holding it) is broken under a second lock, the
// breaker, after reading it again to be sure it is still that lock; a breaker whose owner is
// gone is removed as it is (that takes a crash within the microseconds a breaker is held).

import { link, readFile, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isStaleRecord, ownedName, ownerPid, ownerRecord } from './owned-files.ts'
import { LayoutError } from '../errors.ts'

export const INDEX_LOCK = '.index.json.lock'

/** How long a writer waits for a lock whose owner is alive before it gives up, naming the lock. */
const LOCK_WAIT_MS = 60_000

/** Runs `critical` holding the index.json lock of the layout `dir`; gives up after waiting `waitMs` for a live holder. */
export async function withIndexLock<T>(dir: string, signal: AbortSignal | undefined, critical: () => Promise<T>, waitMs: number = LOCK_WAIT_MS): Promise<T> {
  const lock = join(dir, INDEX_LOCK)
  await acquire(lock, signal, waitMs)
  try {
    return await critical()
  } finally {
    await rm(lock, { force: true })
  }
}

async function acquire(lock: string, signal: AbortSignal | undefined, waitMs: number): Promise<void> {
  const started = Date.now()
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    signal?.throwIfAborted()
    if (await tryCreate(lock)) return
    const held = await readFile(lock, 'utf8').catch(() => undefined)
    if (held === undefined) continue // released meanwhile
    // A stale lock is broken and taken at once; one that cannot be broken (a live writer holds
    // the breaker) is waited for like a live one, so the wait is bounded either way.
    if (isStaleRecord(held) && (await breakStale(lock, held))) continue
    if (Date.now() - started > waitMs) {
      throw new LayoutError(
        `${lock}: index.json is locked by process ${ownerPid(held)} for over ${waitMs / 1000} s; if no pull into this layout is running, remove the lock file`,
      )
    }
    await sleep(delay, undefined, signal && { signal })
  }
}

/** Makes `path` holding this process's owner record; false when it exists. */
async function tryCreate(path: string): Promise<boolean> {
  const temp = join(dirname(path), ownedName(`${basename(path)}.tmp-`))
  await writeFile(temp, ownerRecord(), { flag: 'wx' })
  try {
    await link(temp, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await rm(temp, { force: true })
  }
}

/**
 * Removes the lock if it still holds `record` (whose owner is gone), under the breaker lock.
 * False when a live writer holds the breaker: then only waiting helps.
 */
async function breakStale(lock: string, record: string): Promise<boolean> {
  const breaker = `${lock}.break`
  if (!(await tryCreate(breaker))) {
    const holder = await readFile(breaker, 'utf8').catch(() => undefined)
    if (holder === undefined || !isStaleRecord(holder)) return holder === undefined
    await rm(breaker, { force: true })
    return true
  }
  try {
    if ((await readFile(lock, 'utf8').catch(() => undefined)) === record) await rm(lock, { force: true })
  } finally {
    await rm(breaker, { force: true })
  }
  return true
}
