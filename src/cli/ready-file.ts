// The --ready-file a launcher waits on: it holds the URL while this process serves. Written
// atomically (a temp file beside it, then rename) only once listening; never deleted before
// that, so a failed start leaves another instance's file alone. On exit it is removed only if
// it is still the file this process wrote (same device, inode and content): a file another
// instance wrote over ours is theirs.

import { randomBytes } from 'node:crypto'
import { lstatSync, readFileSync, rmSync } from 'node:fs'
import { lstat, open, readFile, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { UsageError } from '../errors.ts'

interface Identity {
  dev: number
  ino: number
}

export class ReadyFile {
  readonly path: string
  readonly #content: string
  readonly #identity: Identity

  private constructor(path: string, content: string, identity: Identity) {
    this.path = path
    this.#content = content
    this.#identity = identity
  }

  /** Writes `url\n` to `path` atomically: readers see no file, an older one, or the whole URL. */
  static async write(path: string, url: string): Promise<ReadyFile> {
    const content = `${url}\n`
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
    try {
      // The identity is taken from the temp file, before the rename: a rename keeps the inode,
      // and a stat after it could see another instance's file renamed over ours meanwhile.
      const handle = await open(temp, 'wx')
      let identity: Identity
      try {
        await handle.writeFile(content)
        const { dev, ino } = await handle.stat()
        identity = { dev, ino }
      } finally {
        await handle.close()
      }
      await rename(temp, path)
      return new ReadyFile(path, content, identity)
    } catch (error) {
      await rm(temp, { force: true })
      throw new UsageError(`--ready-file ${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  /** Removes the file if it is still ours; leaves it alone otherwise (or when it is gone). */
  async remove(): Promise<void> {
    try {
      const stats = await lstat(this.path)
      if (this.#isOurs(stats) && (await readFile(this.path, 'utf8')) === this.#content) await rm(this.path, { force: true })
    } catch {
      // Gone, or unreadable: not ours to touch.
    }
  }

  /** remove() for a process that is exiting (an 'exit' listener cannot wait). */
  removeSync(): void {
    try {
      if (this.#isOurs(lstatSync(this.path)) && readFileSync(this.path, 'utf8') === this.#content) rmSync(this.path, { force: true })
    } catch {
      // As in remove().
    }
  }

  #isOurs(stats: Identity): boolean {
    return stats.dev === this.#identity.dev && stats.ino === this.#identity.ino
  }
}
