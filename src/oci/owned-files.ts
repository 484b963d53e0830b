// Names of temporary files and locks that say who made them, so that a later writer can tell a
// crashed writer's leftovers from a running writer's files. The owner is this process (its pid)
// on this machine (a hash of the host name: a directory shared with another machine or
// container may hold files of processes we cannot see). A file is stale only when it is ours
// by host and its process is gone; anything else is left alone.

import { createHash, randomBytes } from 'node:crypto'
import { hostname } from 'node:os'

const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)

/** `PREFIX` + `PID-HOST-RANDOM`: a name no other writer picks, which says who made it. */
export function ownedName(prefix: string): string {
  return `${prefix}${process.pid}-${HOST}-${randomBytes(6).toString('hex')}`
}

/** Whether `name` is `PREFIX` + an owned name whose process on this machine is gone. */
export function isStaleName(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false
  const match = /^(\d+)-([0-9a-f]{8})-[0-9a-f]{12}$/.exec(name.slice(prefix.length))
  return match !== null && isGone(Number(match[1]), match[2] as string)
}

/** What an owned file (a lock) holds: its owner and a nonce that tells one lock from the next. */
export function ownerRecord(): string {
  return `${process.pid} ${HOST} ${randomBytes(8).toString('hex')}\n`
}

/** Whether an owner record names a process on this machine that is gone. Unreadable records are not stale. */
export function isStaleRecord(record: string): boolean {
  const match = /^(\d+) ([0-9a-f]{8}) [0-9a-f]{16}\n$/.exec(record)
  return match !== null && isGone(Number(match[1]), match[2] as string)
}

/** The pid of an owner record, for messages. */
export function ownerPid(record: string): string {
  return /^\d+/.exec(record)?.[0] ?? 'unknown'
}

function isGone(pid: number, host: string): boolean {
  if (host !== HOST || !Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    // EPERM: the process exists, it is another user's.
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
