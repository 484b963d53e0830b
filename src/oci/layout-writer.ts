// Writing OCI image layouts. Nothing half-written ever looks like a valid layout:
// a new layout is built in a temporary sibling directory and renamed into place; in an
// existing layout every blob is written to a temporary name and renamed, and index.json
// is replaced last, atomically. Each blob byte is hashed once: a source's blob stream is
// verified by the source (the ContentSource contract) and not hashed again here.
//
// Writers may run at once on one layout (pulls of different tags into one directory), and
// each keeps the others' entries: index.json is read, merged and replaced under the layout's
// index lock (layout-lock.ts). Blobs need no lock: each is renamed from a temporary name to
// its digest, and two writers of one digest write the same bytes. A new layout whose rename
// into place finds another writer's layout there moves its blobs into that one and merges its
// entries as into any existing layout. Temporary names say which process made them
// (owned-files.ts): a writer removes those of writers on this machine that are gone (SIGKILLed),
// and never a running writer's.

import { createHash, type Hash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type Descriptor, type Platform } from './descriptor.ts'
import { type DigestAlgorithm, parseDigest } from './digest.ts'
import { INDEX_LOCK, withIndexLock } from './layout-lock.ts'
import { LayoutStore } from './layout-store.ts'
import { parseIndex, parseJson } from './manifest.ts'
import { OCI_INDEX, OCI_LAYOUT_VERSION, REF_NAME_ANNOTATION } from './media-types.ts'
import { type Ref, walkRefs } from './ref.ts'
import { isStaleName, ownedName } from './owned-files.ts'
import { createVerifier } from './verify.ts'
import { ContentMismatchError, LayoutError, systemReason } from '../errors.ts'

export interface WriteEntry {
  ref: Ref
  /** Annotations of the index.json entry, e.g. { "org.opencontainers.image.ref.name": "v1" }. */
  annotations?: Record<string, string>
  platform?: Platform
}

export interface WriteProgress {
  /** Called with the size of every chunk of blob bytes written. */
  onBytes?(bytes: number): void
  /** Called when a blob is in place; `reused` when the layout had it already. */
  onBlob?(descriptor: Descriptor, reused: boolean): void
}

export interface WriteOptions extends WriteProgress {
  signal?: AbortSignal
}

const BLOB_CONCURRENCY = 4

/**
 * What a blob's file stream buffers before it pushes back. Chunks that arrive while a write is
 * in flight go out together in the next writev, so a 64 KiB-chunked source is written in
 * writes of up to this size instead of one syscall (and one pause/resume) per chunk.
 */
const WRITE_BUFFER_BYTES = 1024 * 1024

/** Writes refs (and everything below them) to a layout directory, new or existing. */
export async function writeLayout(dir: string, entries: WriteEntry[], options: WriteOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  const writer = await LayoutWriter.open(dir)
  // Stops the other blob writes when one fails, so none is still writing when abort() cleans up.
  const stop = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  try {
    const blobs = await writeManifests(writer, entries, signal)
    await runLimited(blobs, BLOB_CONCURRENCY, stop, async ({ ref, descriptor }) => {
      const reused = await writer.hasBlob(descriptor, signal)
      if (!reused) await writer.writeVerifiedStream(await ref.source.openBlob(descriptor, signal), descriptor, { ...options, signal })
      options.onBlob?.(descriptor, reused)
    })
    signal.throwIfAborted()
    await writer.commit(entries.map(entryDescriptor), { signal })
  } catch (error) {
    await writer.abort()
    throw error
  }
}

/** Writes every manifest and index under the entries; returns the config and layer blobs they need, each once. */
async function writeManifests(writer: LayoutWriter, entries: WriteEntry[], signal: AbortSignal): Promise<Array<{ ref: Ref; descriptor: Descriptor }>> {
  const blobs = new Map<string, { ref: Ref; descriptor: Descriptor }>()
  for (const { ref: root } of entries) {
    await walkRefs(root, async (ref) => {
      signal.throwIfAborted()
      await writer.writeBytes(ref.raw, ref.descriptor)
      if (ref.kind === 'image') for (const d of ref.blobs) blobs.set(d.digest, { ref, descriptor: d })
    })
  }
  return [...blobs.values()]
}

/** The index.json entry for a ref: its own media type (an index stays an index), its artifactType, and the entry's annotations and platform. */
function entryDescriptor({ ref, annotations, platform }: WriteEntry): Descriptor {
  const artifactType = ref.manifest.artifactType
  return { ...ref.descriptor, ...(artifactType !== undefined && { artifactType }), ...(platform && { platform }), ...(annotations && { annotations }) }
}

/** Builds one layout directory: blobs first, then index.json and (for a new layout) the rename into place. */
export class LayoutWriter {
  readonly dir: string
  readonly #work: string
  readonly #isNew: boolean
  readonly #temps = new Set<string>()

  private constructor(dir: string, work: string, isNew: boolean) {
    this.dir = dir
    this.#work = work
    this.#isNew = isNew
  }

  /**
   * Opens `dir` for writing: an existing layout is added to; a missing or empty directory (Bazel
   * creates tree artifacts before the action runs) gets a new layout, renamed onto it on commit.
   */
  static async open(dir: string): Promise<LayoutWriter> {
    const names = await listDir(dir)
    const isLayout = names?.includes('oci-layout') ?? false
    await removeStaleTemps(dir, isLayout)
    if (names !== undefined && names.length > 0) {
      if (!isLayout) throw new LayoutError(`cannot write OCI layout to ${dir}: it exists and is not an OCI layout (no oci-layout file)`)
      return new LayoutWriter(dir, dir, false)
    }
    const work = join(dirname(dir), ownedName(workPrefix(dir)))
    await writing(`the new layout ${dir} (in ${work})`, async () => {
      await mkdir(join(work, 'blobs'), { recursive: true })
      await writeFile(join(work, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })}\n`)
    }).catch(async (error: unknown) => {
      await rm(work, { recursive: true, force: true })
      throw error
    })
    return new LayoutWriter(dir, work, true)
  }

  /** True when the blob is in the layout already with the right size and digest (so it need not be fetched). */
  async hasBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<boolean> {
    const store = new LayoutStore(this.#work)
    const info = await stat(store.blobPath(descriptor.digest)).catch(() => undefined)
    if (info?.size !== descriptor.size) return false
    try {
      for await (const _ of await store.openBlob(descriptor, signal)); // reading through the verifier checks the digest
      return true
    } catch (error) {
      if (signal?.aborted) throw error
      return false
    }
  }

  /** Writes a blob from memory; its digest is computed (sha256) unless a descriptor is given to verify against. */
  async writeBytes(bytes: Uint8Array, expected?: Pick<Descriptor, 'digest' | 'size'>): Promise<Pick<Descriptor, 'digest' | 'size'>> {
    return this.writeStream(Readable.from([Buffer.from(bytes)]), expected)
  }

  /**
   * Streams a blob into place: to a temporary file, then renamed to its digest. With `expected`
   * the bytes are verified against it (and named by it); without, they are hashed (sha256) to
   * name them. Either way each byte is hashed once.
   */
  async writeStream(
    source: Readable,
    expected?: Pick<Descriptor, 'digest' | 'size'>,
    progress: WriteOptions = {},
  ): Promise<Pick<Descriptor, 'digest' | 'size'>> {
    if (expected !== undefined) {
      const meter = new Meter(progress)
      const temp = await this.#write(
        source,
        [createVerifier(expected, `blob ${expected.digest} written to ${this.dir}`), meter],
        parseDigest(expected.digest).algorithm,
        progress.signal,
        `blob ${expected.digest}`,
      )
      await this.#place(temp, expected.digest)
      return { digest: expected.digest, size: meter.size }
    }
    const hash = createHash('sha256')
    const meter = new Meter(progress, hash)
    const temp = await this.#write(source, [meter], 'sha256', progress.signal, 'a blob')
    const digest = `sha256:${hash.digest('hex')}`
    await this.#place(temp, digest)
    return { digest, size: meter.size }
  }

  /**
   * Streams a blob from a ContentSource's openBlob, which verifies it against the descriptor
   * while it streams (the ContentSource contract): a mismatch fails the stream before its last
   * bytes, so the temporary file is never renamed. Not hashed again here; the size is checked.
   */
  async writeVerifiedStream(source: Readable, descriptor: Pick<Descriptor, 'digest' | 'size'>, progress: WriteOptions = {}): Promise<void> {
    const meter = new Meter(progress)
    const temp = await this.#write(source, [meter], parseDigest(descriptor.digest).algorithm, progress.signal, `blob ${descriptor.digest}`)
    if (meter.size !== descriptor.size) {
      await this.#drop(temp)
      throw new ContentMismatchError(`blob ${descriptor.digest} written to ${this.dir}: expected ${descriptor.size} bytes, its source delivered ${meter.size}`)
    }
    await this.#place(temp, descriptor.digest)
  }

  /** Pipes the source through `stages` into a temporary file in blobs/ALGORITHM (the caller #places it). `what` names the blob in errors. */
  async #write(source: Readable, stages: Transform[], algorithm: DigestAlgorithm, signal: AbortSignal | undefined, what: string): Promise<string> {
    const blobs = join(this.#work, 'blobs', algorithm)
    await writing(`${what} of the layout ${this.dir} (in ${blobs})`, () => mkdir(blobs, { recursive: true })).catch((error: unknown) => {
      source.destroy()
      throw error
    })
    const temp = join(blobs, ownedName(BLOB_TEMP_PREFIX))
    this.#temps.add(temp)
    try {
      await pipeline([source, ...stages, createWriteStream(temp, { highWaterMark: WRITE_BUFFER_BYTES })], { signal })
    } catch (error) {
      await this.#drop(temp)
      // Only failures of the file are ours to name; the source's (network, verification) pass as they are.
      throw isFileError(error, temp) ? writeError(error, `${what} of the layout ${this.dir} (${temp})`) : error
    }
    return temp
  }

  async #place(temp: string, digest: string): Promise<void> {
    const path = new LayoutStore(this.#work).blobPath(digest)
    await writing(`blob ${digest} of the layout ${this.dir} (${path})`, () => rename(temp, path))
    this.#temps.delete(temp)
  }

  async #drop(temp: string): Promise<void> {
    await rm(temp, { force: true })
    this.#temps.delete(temp)
  }

  /**
   * Writes index.json (existing entries kept unless replaced by ref name or digest) and puts a new layout in place.
   * `bareIndexJson` leaves out schemaVersion and mediaType, as rules_oci and skopeo do (for fixtures).
   */
  async commit(entries: Descriptor[], options: { bareIndexJson?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#isNew) {
      await this.#writeIndex(this.#work, entries, options)
      if (await this.#renameIntoPlace()) return
      await this.#moveBlobsInto(this.dir)
    }
    await withIndexLock(this.dir, options.signal, () => this.#writeIndex(this.dir, entries, options))
    if (this.#isNew) await rm(this.#work, { recursive: true, force: true })
  }

  /** Removes everything this writer left behind; the target is as it was. */
  async abort(): Promise<void> {
    await Promise.all([...this.#temps].map((t) => rm(t, { force: true })))
    if (this.#isNew) await rm(this.#work, { recursive: true, force: true })
  }

  /** Replaces `dir`/index.json with its entries (those not replaced by ref name or digest) and `entries`. */
  async #writeIndex(dir: string, entries: Descriptor[], options: { bareIndexJson?: boolean }): Promise<void> {
    const kept = (await existingEntries(dir)).filter((old) => !entries.some((e) => sameEntry(old, e)))
    const manifests = [...kept, ...entries]
    const index = options.bareIndexJson ? { manifests } : { schemaVersion: 2, mediaType: OCI_INDEX, manifests }
    const temp = join(dir, ownedName(INDEX_TEMP_PREFIX))
    this.#temps.add(temp)
    await writing(`index.json of the layout ${this.dir} (${temp})`, async () => {
      const handle = await open(temp, 'w')
      try {
        await handle.writeFile(`${JSON.stringify(index, null, 2)}\n`)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temp, join(dir, 'index.json'))
    })
    this.#temps.delete(temp)
  }

  /** Renames the new layout onto its directory; false when another writer's layout is there already. */
  async #renameIntoPlace(): Promise<boolean> {
    try {
      await rename(this.#work, this.dir)
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw writeError(error, `the new layout ${this.dir} (renaming ${this.#work} onto it)`)
      const names = (await listDir(this.dir)) ?? []
      if (!names.includes('oci-layout')) {
        throw new LayoutError(
          `cannot write OCI layout to ${this.dir}: it was created by someone else while this pull ran, and is not an OCI layout (no oci-layout file)`,
        )
      }
      return false
    }
  }

  /** Moves every blob of the new layout into the existing layout `dir` (before its index.json names them). */
  async #moveBlobsInto(dir: string): Promise<void> {
    for (const algorithm of await readdir(join(this.#work, 'blobs'))) {
      const from = join(this.#work, 'blobs', algorithm)
      const to = join(dir, 'blobs', algorithm)
      await writing(`the blobs of the layout ${dir} (${to})`, async () => {
        await mkdir(to, { recursive: true })
        for (const name of await readdir(from)) if (!name.startsWith('.')) await rename(join(from, name), join(to, name))
      })
    }
  }
}

const BLOB_TEMP_PREFIX = '.tmp-'
const INDEX_TEMP_PREFIX = '.index.json.tmp-'

/** The prefix of a new layout's temporary sibling directory. */
function workPrefix(dir: string): string {
  return `.${basename(dir)}.tmp-`
}

/**
 * Removes what writers that are gone (SIGKILLed) left of `dir`: temporary sibling directories
 * of a new layout and, in an existing layout, temporary blobs, index.json and lock files.
 * Best effort: what cannot be listed or removed is left.
 */
async function removeStaleTemps(dir: string, isLayout: boolean): Promise<void> {
  await removeStale(dirname(dir), [workPrefix(dir)])
  if (!isLayout) return
  await removeStale(dir, [INDEX_TEMP_PREFIX, `${INDEX_LOCK}.tmp-`, `${INDEX_LOCK}.break.tmp-`])
  const algorithms = await readdir(join(dir, 'blobs')).catch(() => [])
  for (const algorithm of algorithms) await removeStale(join(dir, 'blobs', algorithm), [BLOB_TEMP_PREFIX])
}

async function removeStale(dir: string, prefixes: string[]): Promise<void> {
  const names = await readdir(dir).catch(() => [])
  for (const name of names) {
    if (prefixes.some((prefix) => isStaleName(name, prefix))) await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined)
  }
}

async function existingEntries(dir: string): Promise<Descriptor[]> {
  const path = join(dir, 'index.json')
  const bytes = await readFile(path).catch(() => undefined)
  return bytes === undefined ? [] : parseIndex(parseJson(bytes, path), path).manifests
}

/** Runs a file-system operation; a system error it fails with becomes a LayoutError naming `what` (a file or directory). */
async function writing<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    throw isFileError(error) ? writeError(error, what) : error
  }
}

/** A system error of the file system (ENOSPC, EACCES, ...), and, given `file`, one of writing that file rather than of reading a source. */
function isFileError(error: unknown, file?: string): error is NodeJS.ErrnoException {
  if (!(error instanceof Error) || !('syscall' in error) || typeof error.syscall !== 'string') return false
  if (file === undefined) return true
  return (error as NodeJS.ErrnoException).path === file || ['write', 'writev', 'fsync', 'close'].includes(error.syscall)
}

function writeError(error: unknown, what: string): LayoutError {
  return new LayoutError(`cannot write ${what}: ${systemReason(error)}`, { cause: error })
}

function sameEntry(a: Descriptor, b: Descriptor): boolean {
  const nameA = a.annotations?.[REF_NAME_ANNOTATION]
  const nameB = b.annotations?.[REF_NAME_ANNOTATION]
  return nameA !== undefined || nameB !== undefined ? nameA === nameB : a.digest === b.digest
}

/**
 * Runs `task` over the items, `limit` at a time. On the first failure it stops starting tasks,
 * aborts `stop` (which the tasks listen to), waits for every running task to end, then throws
 * that first error: when it returns or throws, nothing is still running.
 */
async function runLimited<T>(items: T[], limit: number, stop: AbortController, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T
      try {
        await task(item)
      } catch (error) {
        failure ??= { error }
        stop.abort()
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure !== undefined) throw failure.error
}

/** Counts the bytes passing through (and reports them), hashing them when given a hash. */
class Meter extends Transform {
  size = 0
  readonly #progress: WriteProgress
  readonly #hash: Hash | undefined

  constructor(progress: WriteProgress, hash?: Hash) {
    super()
    this.#progress = progress
    this.#hash = hash
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length
    this.#hash?.update(chunk)
    this.#progress.onBytes?.(chunk.length)
    callback(null, chunk)
  }
}

/** The names in a directory, or undefined when it does not exist. */
async function listDir(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ENOTDIR') throw new LayoutError(`cannot write OCI layout to ${dir}: it exists and is not a directory`)
    throw error
  }
}
