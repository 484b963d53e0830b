// The connections' bounds, judged from the sockets' byte counters (progress: a byte read or
// written), sampled when needed, so that nothing is paid per request:
//
// - A cap on open connections, enforced as they are accepted: a connection over the cap is
//   closed at once, so the process never runs out of file descriptors (where accept itself
//   would fail and every client, live or not, would get a reset). At the cap, a new connection
//   first takes the place of one that has made no progress for STALL_GRACE_MS: an idle
//   keep-alive connection, a client that stopped reading, one that never sent a request. Only
//   when none qualifies is the newcomer refused.
// - The send timeout: a sweep closes every connection that made no progress for that long (a
//   client that stopped reading, never sent its request, or kept an idle connection open). A
//   request waiting on the server (a transfer before its first byte: for buffers, the file, its
//   first read) is not the client's stall, however long it waits (ConnectionCap.waitOnServer);
//   nor is the time the process was not running (a late sweep). This replaces Node's socket
//   timeouts, whose timer is re-armed on every read and write and re-created twice per request,
//   a share of a manifest request's CPU worth saving (BENCHMARKS.md, "Manifests").

import type { Socket } from 'node:net'
import { readFileSync } from 'node:fs'

/** How long a connection must have made no progress to give its place to a newcomer at the cap. */
export const STALL_GRACE_MS = 1000
/** The cap when the open-file limit allows it. */
export const DEFAULT_MAX_CONNECTIONS = 2000
/** File descriptors left for everything but connections: blob files, the listener, Node's own. */
const RESERVED_FDS = 128
/** The longest time between two sweeps for the send timeout (a stall is cut off at most twice this late). */
const MAX_SWEEP_INTERVAL_MS = 1000

/** What a request's transfer tells the connections: that it waits on the server, not on its client. */
export interface Connections {
  /**
   * Settles like `wait`; until then, the request's connection is not stalled for the send
   * timeout, and its stall counts afresh from then on (at the latest from the last sweep during
   * the wait).
   */
  waitOnServer<T>(connection: Socket | null, wait: Promise<T>): Promise<T>
}

/** For a handler without a listener's connections (no send timeout to hold off). */
export const NO_CONNECTIONS: Connections = { waitOnServer: (_connection, wait) => wait }

/**
 * The TCP socket of a connection, the one ConnectionCap admits: a request's socket with TLS is
 * the TLSSocket on top of it (its `_parent`: Node keeps no public link between the two).
 */
function tcpSocket(socket: Socket): Socket {
  return (socket as Socket & { _parent?: Socket | null })._parent ?? socket
}

/** What the cap knows of a connection. */
interface Progress {
  bytes: number
  since: number
  /** Requests of this connection waiting on the server (transfers before their first byte) right now. */
  waitingOnServer: number
}

export class ConnectionCap implements Connections {
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
    this.#sockets.set(socket, { bytes: 0, since: Date.now(), waitingOnServer: 0 })
    socket.once('close', () => this.#sockets.delete(socket))
  }

  async waitOnServer<T>(connection: Socket | null, wait: Promise<T>): Promise<T> {
    const progress = connection === null ? undefined : this.#sockets.get(tcpSocket(connection))
    if (progress === undefined) return wait
    progress.waitingOnServer++
    try {
      return await wait
    } finally {
      progress.waitingOnServer--
    }
  }

  get size(): number {
    return this.#sockets.size
  }

  /** Closes, every so often until stopped, each connection that made no progress for `timeoutMs`. */
  closeStalledEvery(timeoutMs: number): { stop(): void } {
    const interval = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(1, timeoutMs / 4))
    let last = Date.now()
    const sweep = setInterval(() => {
      const now = Date.now()
      this.#excuse(now - last - interval)
      last = now
      this.closeStalled(timeoutMs)
    }, interval)
    sweep.unref()
    return { stop: () => clearInterval(sweep) }
  }

  /**
   * A sweep `lateMs` late found a process that was not running (descheduled, blocked): it wrote
   * and read nothing meanwhile, and what a client took then shows only once the event loop polls
   * again, after this sweep (timers run first). That time is no connection's stall.
   */
  #excuse(lateMs: number): void {
    if (lateMs <= 0) return
    for (const progress of this.#sockets.values()) progress.since += lateMs
  }

  /** Closes each connection that made no progress for `timeoutMs`, but for those waiting on the server. */
  closeStalled(timeoutMs: number): void {
    const now = Date.now()
    for (const [socket, progress] of this.#sockets) {
      if (moved(socket, progress) || progress.waitingOnServer > 0) progress.since = now
      else if (now - progress.since >= timeoutMs) socket.destroy()
    }
  }

  /** Closes the connection that has made no progress for longest, if that is at least STALL_GRACE_MS. */
  #evictStalled(): boolean {
    const now = Date.now()
    let oldest: Socket | undefined
    let oldestSince = now - STALL_GRACE_MS
    for (const [socket, progress] of this.#sockets) {
      if (moved(socket, progress)) progress.since = now
      else if (progress.since <= oldestSince) {
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

/** Whether the socket moved bytes since the last sample (then remembers the new count). */
function moved(socket: Socket, progress: Progress): boolean {
  const bytes = socket.bytesRead + socket.bytesWritten
  if (bytes === progress.bytes) return false
  progress.bytes = bytes
  return true
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
