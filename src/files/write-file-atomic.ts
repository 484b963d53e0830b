// Writing a file so that a reader never sees part of it: a temp file beside it, then rename.
import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Which file a path named when it was written: a rename keeps both. */
export interface FileIdentity {
  dev: number
  ino: number
}

/**
 * Writes `data` to a temp file in `file`'s directory and renames it over `file`; the temp file
 * never outlives a failure. Returns the identity of the file written, taken from the temp file's
 * handle before the rename: a stat of `file` after it could see another writer's file renamed
 * over ours meanwhile.
 */
export async function writeFileAtomic(file: string, data: string, mode = 0o644): Promise<FileIdentity> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx', mode)
    let identity: FileIdentity
    try {
      await handle.writeFile(data)
      const { dev, ino } = await handle.stat()
      identity = { dev, ino }
    } finally {
      await handle.close()
    }
    await rename(temp, file)
    return identity
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
