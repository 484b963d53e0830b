// Writing a file so that a reader never sees part of it: a temp file beside it, then rename.
import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { OutputFileError, systemReason } from '../errors.ts'

/** Which file a path named when it was written: a rename keeps both. */
export interface FileIdentity {
  dev: number
  ino: number
}

export interface WriteFileOptions {
  mode?: number
  /** What the file is to the user, for the error message, e.g. "--ready-file" (default "cannot write"). */
  name?: string
}

/**
 * Writes `data` to a temp file in `file`'s directory and renames it over `file`; the temp file
 * never outlives a failure. Returns the identity of the file written, taken from the temp file's
 * handle before the rename: a stat of `file` after it could see another writer's file renamed
 * over ours meanwhile. Fails with an OutputFileError that names `file` (never the temp file).
 */
export async function writeFileAtomic(file: string, data: string, options: WriteFileOptions = {}): Promise<FileIdentity> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx', options.mode ?? 0o644)
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
    throw new OutputFileError(`${options.name ?? 'cannot write'} ${file}: ${systemReason(error)}`, { cause: error })
  }
}
