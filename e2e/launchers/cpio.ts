/**
 * cpio archives in the "newc" format, the one the Linux kernel unpacks as an initramfs.
 *
 * An initrd may be several archives back to back; the kernel unpacks them in order into one
 * root. ./vm.ts writes two: the files of a run (configuration, CA, certs.d, /etc/hosts) and the
 * programs, which are the same for every run.
 */

/** A file, directory or symbolic link in an archive; parents are added as directories. */
export type CpioEntry =
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'directory'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string }

const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
const TRAILER = 'TRAILER!!!'

/** The archive of `entries`, each preceded by its parent directories (once each, mode 0755). */
export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Uint8Array[] = []
  const written = new Set<string>()
  let inode = 1
  const add = (path: string, mode: number, data: Uint8Array): void => {
    parts.push(header(path, mode, data.length, inode++), data, padding(data.length))
    written.add(path)
  }
  for (const entry of entries) {
    const path = entry.path.replace(/^\/+/, '')
    const segments = path.split('/')
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/')
      if (!written.has(parent)) add(parent, S_IFDIR | 0o755, new Uint8Array())
    }
    if (entry.type === 'file') add(path, S_IFREG | (entry.mode ?? 0o644), entry.data)
    else if (entry.type === 'directory') add(path, S_IFDIR | (entry.mode ?? 0o755), new Uint8Array())
    else add(path, S_IFLNK | 0o777, Buffer.from(entry.target))
  }
  parts.push(header(TRAILER, 0, 0, 0))
  return Buffer.concat(parts)
}

function header(name: string, mode: number, size: number, inode: number): Buffer {
  const nameBytes = Buffer.from(`${name}\0`)
  const links = (mode & 0o170000) === S_IFDIR ? 2 : 1
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const fields = [inode, mode, 0, 0, links, 0, size, 0, 0, 0, 0, nameBytes.length, 0]
  const head = Buffer.from(`070701${fields.map((field) => field.toString(16).padStart(8, '0')).join('')}`)
  return Buffer.concat([head, nameBytes, padding(head.length + nameBytes.length)])
}

/** Zero bytes that bring `length` to a multiple of 4, as newc aligns names and data. */
function padding(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4)
}
