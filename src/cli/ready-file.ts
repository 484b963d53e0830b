// The --ready-file a launcher waits on: it holds the URL while this process serves. Written
// atomically (a temp file beside it, then rename) only once listening, staged with the other
// announced files and renamed last; never deleted before that, so a failed start leaves
// another instance's file alone. On exit it is removed only if it is still the file this
// process wrote (same device, inode and content): a file another instance wrote over ours is
// theirs.

import { lstatSync, readFileSync, rmSync } from 'node:fs'
import { lstat, readFile, rm } from 'node:fs/promises'
import { type FileIdentity, type Staged, type StagedFile, stageFile } from '../files/write-file-atomic.ts'

export class ReadyFile implements Staged<void> {
  readonly path: string
  readonly #content: string
  readonly #staged: StagedFile

  private constructor(path: string, content: string, staged: StagedFile) {
    this.path = path
    this.#content = content
    this.#staged = staged
  }

  /**
   * Writes `url\n` beside `path`, to be renamed over it by commit(): readers see no file, an
   * older one, or the whole URL. Until then remove() leaves whatever is at `path` alone.
   */
  static async stage(path: string, url: string): Promise<ReadyFile> {
    const content = `${url}\n`
    return new ReadyFile(path, content, await stageFile(path, content, { name: '--ready-file' }))
  }

  async commit(): Promise<void> {
    await this.#staged.commit()
  }

  async discard(): Promise<void> {
    await this.#staged.discard()
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
    return stats.dev === this.#staged.identity.dev && stats.ino === this.#staged.identity.ino
  }
}
