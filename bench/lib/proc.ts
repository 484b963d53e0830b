// Reading a server's cost from /proc: CPU time (utime + stime of the process and
// all its descendants, so nginx's workers count) and resident memory.

import { readdir, readFile, readlink, writeFile } from 'node:fs/promises'

/** Kernel clock ticks per second (USER_HZ); 100 on every Linux this runs on. */
const CLOCK_TICKS = 100

interface Stat {
  pid: number
  ppid: number
  cpuTicks: number
}

async function readStat(pid: number): Promise<Stat | undefined> {
  let text: string
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined // exited in between
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // After the name: state(3) ppid(4) ... utime(14) stime(15), so index = field - 3.
  return { pid, ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) }
}

async function allPids(): Promise<number[]> {
  const names = await readdir('/proc')
  return names.filter((name) => /^\d+$/.test(name)).map(Number)
}

/** `pid` and every process below it. */
export async function processTree(pid: number): Promise<number[]> {
  const stats = (await Promise.all((await allPids()).map(readStat))).filter((s): s is Stat => s !== undefined)
  const children = new Map<number, number[]>()
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid])
  const tree: number[] = []
  const queue = [pid]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    tree.push(next)
    queue.push(...(children.get(next) ?? []))
  }
  return tree
}

/** CPU seconds (user + system) used so far by `pid` and its descendants. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stats = await Promise.all((await processTree(pid)).map(readStat))
  const ticks = stats.reduce((sum, s) => sum + (s?.cpuTicks ?? 0), 0)
  return ticks / CLOCK_TICKS
}

async function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  let text: string
  try {
    text = await readFile(`/proc/${pid}/status`, 'utf8')
  } catch {
    return 0
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return match ? Number(match[1]) * 1024 : 0
}

/** Resident bytes now, summed over the process tree. */
export async function rssBytes(pid: number): Promise<number> {
  const sizes = await Promise.all((await processTree(pid)).map((p) => statusField(p, 'VmRSS')))
  return sizes.reduce((a, b) => a + b, 0)
}

/** Peak resident bytes (VmHWM) since start or the last {@link resetPeakRss}, summed over the tree. */
export async function peakRssBytes(pid: number): Promise<number> {
  const sizes = await Promise.all((await processTree(pid)).map((p) => statusField(p, 'VmHWM')))
  return sizes.reduce((a, b) => a + b, 0)
}

/** Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux ≥ 4.0) for the whole tree. */
export async function resetPeakRss(pid: number): Promise<void> {
  for (const p of await processTree(pid)) {
    await writeFile(`/proc/${p}/clear_refs`, '5').catch(() => undefined)
  }
}

/**
 * The pid of the process listening on 127.0.0.1:`port`, for servers started by a
 * helper that does not expose its child (the reference registry).
 */
export async function pidListeningOn(port: number): Promise<number> {
  const inode = await listeningInode(port)
  for (const pid of await allPids()) {
    let fds: string[]
    try {
      fds = await readdir(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
      if (target === `socket:[${inode}]`) return pid
    }
  }
  throw new Error(`no process holds the socket listening on 127.0.0.1:${port} (inode ${inode})`)
}

async function listeningInode(port: number): Promise<string> {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0')
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      // local_address is f[1] (ADDR:PORT in hex), st is f[3] (0A = LISTEN), inode is f[9].
      if (f[1]?.endsWith(`:${portHex}`) && f[3] === '0A' && f[9] !== undefined) return f[9]
    }
  }
  throw new Error(`nothing listens on port ${port}`)
}

/**
 * This process's write_bytes (/proc/self/io): the bytes it caused to be written to storage
 * (counted when they are dirtied in the page cache), with those of every child it has reaped.
 */
export async function ownWriteBytes(): Promise<number> {
  const io = await readFile('/proc/self/io', 'utf8')
  const match = /^write_bytes:\s+(\d+)$/m.exec(io)
  if (!match) throw new Error(`no write_bytes in /proc/self/io: ${io}`)
  return Number(match[1])
}
