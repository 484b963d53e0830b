// The --ready-file a launcher waits on: it holds the URL while this process serves. Written
// atomically (a temp file beside it, then rename) only once listening; never deleted before
// that, so a failed start leaves another instance's file alone. On exit it is removed only if
// it is still the file this process wrote (same device, inode and content): a file another
// instance wrote over ours is theirs.

import { lstatSync, readFileSync, rmSync } from 'node:fs'
import { lstat, readFile, rm } from 'node:fs/promises'
import { type FileIdentity, writeFileAtomic } from '../files/write-file-atomic.ts'

export class ReadyFile {
  readonly path: string
  readonly #content: string
  readonly #identity: FileIdentity

  private constructor(path: string, content: string, identity: FileIdentity) {
    this.path = path
    this.#content = content
    this.#identity = identity
  }

  /** Writes `url\n` to `path` atomically: readers see no file, an older one, or the whole URL. */
  static async write(path: string, url: string): Promise<ReadyFile> {
    const content = `${url}\n`
    return new ReadyFile(path, content, await writeFileAtomic(path, content, { name: '--ready-file' }))
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

  #isOurs(stats: FileIdentity): boolean {
    return stats.dev === this.#identity.dev && stats.ino === this.#identity.ino
  }
}
