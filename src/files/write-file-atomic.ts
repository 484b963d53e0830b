// Writing a file so that a reader never sees part of it: a temp file beside it, then rename.
// In two steps when several files must appear together or not at all: stage each (write the
// temp file: where writing fails, it fails here, before any file is replaced), then commit
// every one (the renames), or discard them all.
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

/** A change prepared but not yet visible: commit() makes it visible, discard() drops it. */
export interface Staged<T> {
  commit(): Promise<T>
  discard(): Promise<void>
}

/**
 * Writes `data` to a temp file in `file`'s directory and renames it over `file`; the temp file
 * never outlives a failure. Returns the identity of the file written, taken from the temp file's
 * handle before the rename: a stat of `file` after it could see another writer's file renamed
 * over ours meanwhile. Fails with an OutputFileError that names `file` (never the temp file).
 */
export async function writeFileAtomic(file: string, data: string, options: WriteFileOptions = {}): Promise<FileIdentity> {
  return (await stageFile(file, data, options)).commit()
}

/** A temp file written beside its place: commit() renames it over the file, returning `identity`. */
export interface StagedFile extends Staged<FileIdentity> {
  /** The file that commit() puts in place (a rename keeps it). */
  readonly identity: FileIdentity
}

/** writeFileAtomic's temp file, written; commit() renames it over `file` (or removes it when that fails). */
export async function stageFile(file: string, data: string, options: WriteFileOptions = {}): Promise<StagedFile> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  // Best effort: a temp file that cannot be removed (its directory gone or not one) must not hide why writing failed.
  const discard = (): Promise<void> => rm(temp, { force: true }).catch(() => undefined)
  const fail = async (error: unknown): Promise<never> => {
    await discard()
    throw new OutputFileError(`${options.name ?? 'cannot write'} ${file}: ${systemReason(error)}`, { cause: error })
  }
  let identity: FileIdentity
  try {
    identity = await writeNew(temp, data, options.mode ?? 0o644)
  } catch (error) {
    return fail(error)
  }
  const commit = async (): Promise<FileIdentity> => {
    try {
      await rename(temp, file)
    } catch (error) {
      return fail(error)
    }
    return identity
  }
  return { identity, commit, discard }
}

/** Creates `file` (it must not exist) with `data`; returns its identity, taken from the handle. */
async function writeNew(file: string, data: string, mode: number): Promise<FileIdentity> {
  const handle = await open(file, 'wx', mode)
  try {
    await handle.writeFile(data)
    const { dev, ino } = await handle.stat()
    return { dev, ino }
  } finally {
    await handle.close()
  }
}

/**
 * Stages every change, then commits them in order; if one cannot be staged, discards those that
 * were and rethrows, so that nothing is replaced. A commit that fails discards the changes after
 * it and leaves those before it in place (with every temp file written, only a rename refused in
 * a directory that was writable can fail).
 */
export async function stageAll(stages: ReadonlyArray<() => Promise<Staged<unknown>>>): Promise<Staged<void>> {
  const staged: Staged<unknown>[] = []
  const discard = async (): Promise<void> => void (await Promise.all(staged.map((s) => s.discard())))
  try {
    for (const stage of stages) staged.push(await stage())
  } catch (error) {
    await discard()
    throw error
  }
  const commit = async (): Promise<void> => {
    for (const [i, s] of staged.entries()) {
      try {
        await s.commit()
      } catch (error) {
        await Promise.all(staged.slice(i + 1).map((rest) => rest.discard()))
        throw error
      }
    }
  }
  return { commit, discard }
}
