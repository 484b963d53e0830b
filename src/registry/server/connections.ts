// A cap on open connections, enforced as they are accepted: a connection over the cap is closed
// at once, so the process never runs out of file descriptors (where accept itself would fail
// and every client, live or not, would get a reset).
//
// At the cap, a new connection first takes the place of one that has made no progress (no
// byte read or written) for STALL_GRACE_MS: an idle keep-alive connection, a client that
// stopped reading, one that never sent a request. Only when none qualifies is the newcomer
// refused. Progress is judged from the sockets' byte counters, sampled when the cap is hit,
// so a busy transfer is never mistaken for a stalled one and nothing is paid per request.

import type { Socket } from 'node:net'
import { readFileSync } from 'node:fs'

/** How long a connection must have made no progress to give its place to a newcomer at the cap. */
export const STALL_GRACE_MS = 1000
/** The cap when the open-file limit allows it. */
export const DEFAULT_MAX_CONNECTIONS = 2000
/** File descriptors left for everything but connections: blob files, the listener, Node's own. */
const RESERVED_FDS = 128

interface Progress {
  bytes: number
  since: number
}

export class ConnectionCap {
  readonly max: number
  readonly #sockets = new Map<Socket, Progress>()

  constructor(max: number) {
    this.max = max
  }

  /** Takes a new connection: in, in place of a stalled one, or closed at once. */
  admit(socket: Socket): void {
    if (this.#sockets.size >= this.max && !this.#evictStalled()) {
      socket.destroy()
      return
    }
    this.#sockets.set(socket, { bytes: 0, since: Date.now() })
    socket.once('close', () => this.#sockets.delete(socket))
  }

  get size(): number {
    return this.#sockets.size
  }

  /** Closes the connection that has made no progress for longest, if that is at least STALL_GRACE_MS. */
  #evictStalled(): boolean {
    const now = Date.now()
    let oldest: Socket | undefined
    let oldestSince = now - STALL_GRACE_MS
    for (const [socket, progress] of this.#sockets) {
      const bytes = socket.bytesRead + socket.bytesWritten
      if (bytes !== progress.bytes) {
        progress.bytes = bytes
        progress.since = now
      } else if (progress.since <= oldestSince) {
        oldest = socket
        oldestSince = progress.since
      }
    }
    if (oldest === undefined) return false
    this.#sockets.delete(oldest)
    oldest.destroy()
    return true
  }
}

/** DEFAULT_MAX_CONNECTIONS, lowered to fit the process's open-file limit (read on Linux; elsewhere assumed large enough). */
export function defaultMaxConnections(): number {
  const limit = openFileLimit()
  if (limit === undefined) return DEFAULT_MAX_CONNECTIONS
  return Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, limit - RESERVED_FDS))
}

function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return line?.[1] === undefined || line[1] === 'unlimited' ? undefined : Number(line[1])
  } catch {
    return undefined
  }
}
