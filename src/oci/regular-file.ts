// The one way files are read while loading (a layout's oci-layout, index.json and manifests,
// the Bazel manifest, runfiles manifests): a read that cannot hang and cannot eat memory. A
// synchronous read of a FIFO waits for a writer that may never come, and no signal ends it
// (the event loop that would run a SIGTERM handler is blocked in it); /dev/zero never ends at
// all. So the file is opened without blocking (a FIFO opens at once then), checked through that
// same descriptor to be a regular file of at most `limit` bytes, and only then read, through that
// descriptor, never past `limit` even if it grows meanwhile.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'

/**
 * The bytes of a regular file (or a symlink to one) of at most `limit` bytes. Throws
 * `fail(message)` for anything else, the message starting with `where` (default: the path);
 * errors of the file system (ENOENT, EACCES, ELOOP...) come as they are, for the caller to word.
 */
export function readRegularFile(path: string, limit: number, fail: (message: string) => Error, where: string = path): Buffer {
  // O_NOCTTY: a terminal device named here must not become the process's controlling terminal.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) throw fail(`${where}: not a regular file (${fileKind(info)})`)
    if (info.size > limit) throw fail(`${where}: ${info.size} bytes is over the ${limit}-byte limit`)
    const bytes = readUpTo(fd, info.size, limit)
    if (bytes === undefined) throw fail(`${where}: grew past the ${limit}-byte limit while it was read`)
    return bytes
  } finally {
    closeSync(fd)
  }
}

/** Reads to the end, or undefined once more than `limit` bytes came; `expected` (the size fstat saw) sizes the first buffer. */
function readUpTo(fd: number, expected: number, limit: number): Buffer | undefined {
  // One byte more than expected, so that the usual file is read whole and its end seen without growing the buffer.
  let buffer = Buffer.allocUnsafe(expected + 1)
  let length = 0
  for (;;) {
    if (length === buffer.length) {
      if (length > limit) return undefined
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1))
      buffer.copy(grown, 0, 0, length)
      buffer = grown
    }
    const n = readSync(fd, buffer, length, buffer.length - length, null)
    if (n === 0) return buffer.subarray(0, length)
    length += n
  }
}

/** What a file that is not regular is: open() refuses a socket, so what is left is a device. */
function fileKind(info: Stats): string {
  if (info.isDirectory()) return 'a directory'
  return info.isFIFO() ? 'a FIFO' : 'a device'
}
