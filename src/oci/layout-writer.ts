// Writing OCI image layouts. Nothing half-written ever looks like a valid layout:
// a new layout is built in a temporary sibling directory and renamed into place; in an
// existing layout every blob is written to a temporary name and renamed, and index.json
// is replaced last, atomically. Each blob byte is hashed once: a source's blob stream is
// verified by the source (the ContentSource contract) and not hashed again here.

import { createHash, type Hash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type Descriptor, type Platform } from './descriptor.ts'
import { type DigestAlgorithm, parseDigest } from './digest.ts'
import { LayoutStore } from './layout-store.ts'
import { parseIndex, parseJson } from './manifest.ts'
import { OCI_INDEX, OCI_LAYOUT_VERSION, REF_NAME_ANNOTATION } from './media-types.ts'
import { type Ref, walkRefs } from './ref.ts'
import { createVerifier } from './verify.ts'
import { ContentMismatchError, LayoutError } from '../errors.ts'

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
    await writer.commit(entries.map(entryDescriptor))
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
    if (names !== undefined && names.length > 0) {
      if (!names.includes('oci-layout')) throw new LayoutError(`cannot write OCI layout to ${dir}: it exists and is not an OCI layout (no oci-layout file)`)
      return new LayoutWriter(dir, dir, false)
    }
    await mkdir(dirname(dir), { recursive: true })
    const work = join(dirname(dir), `.${basename(dir)}.tmp-${randomBytes(6).toString('hex')}`)
    await mkdir(join(work, 'blobs'), { recursive: true })
    await writeFile(join(work, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })}\n`)
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
      )
      await this.#place(temp, expected.digest)
      return { digest: expected.digest, size: meter.size }
    }
    const hash = createHash('sha256')
    const meter = new Meter(progress, hash)
    const temp = await this.#write(source, [meter], 'sha256', progress.signal)
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
    const temp = await this.#write(source, [meter], parseDigest(descriptor.digest).algorithm, progress.signal)
    if (meter.size !== descriptor.size) {
      await this.#drop(temp)
      throw new ContentMismatchError(`blob ${descriptor.digest} written to ${this.dir}: expected ${descriptor.size} bytes, its source delivered ${meter.size}`)
    }
    await this.#place(temp, descriptor.digest)
  }

  /** Pipes the source through `stages` into a temporary file in blobs/ALGORITHM (the caller #places it). */
  async #write(source: Readable, stages: Transform[], algorithm: DigestAlgorithm, signal: AbortSignal | undefined): Promise<string> {
    await mkdir(join(this.#work, 'blobs', algorithm), { recursive: true }).catch((error: unknown) => {
      source.destroy()
      throw error
    })
    const temp = join(this.#work, 'blobs', algorithm, `.tmp-${randomBytes(6).toString('hex')}`)
    this.#temps.add(temp)
    try {
      await pipeline([source, ...stages, createWriteStream(temp, { highWaterMark: WRITE_BUFFER_BYTES })], { signal })
    } catch (error) {
      await this.#drop(temp)
      throw error
    }
    return temp
  }

  async #place(temp: string, digest: string): Promise<void> {
    await rename(temp, new LayoutStore(this.#work).blobPath(digest))
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
  async commit(entries: Descriptor[], options: { bareIndexJson?: boolean } = {}): Promise<void> {
    const kept = (await this.#existingEntries()).filter((old) => !entries.some((e) => sameEntry(old, e)))
    const manifests = [...kept, ...entries]
    const index = options.bareIndexJson ? { manifests } : { schemaVersion: 2, mediaType: OCI_INDEX, manifests }
    const temp = join(this.#work, `.index.json.tmp-${randomBytes(6).toString('hex')}`)
    this.#temps.add(temp)
    const handle = await open(temp, 'w')
    try {
      await handle.writeFile(`${JSON.stringify(index, null, 2)}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, join(this.#work, 'index.json'))
    this.#temps.delete(temp)
    if (this.#isNew) await rename(this.#work, this.dir)
  }

  /** Removes everything this writer left behind; the target is as it was. */
  async abort(): Promise<void> {
    if (this.#isNew) await rm(this.#work, { recursive: true, force: true })
    else await Promise.all([...this.#temps].map((t) => rm(t, { force: true })))
  }

  async #existingEntries(): Promise<Descriptor[]> {
    if (this.#isNew) return []
    const path = join(this.#work, 'index.json')
    const bytes = await readFile(path).catch(() => undefined)
    return bytes === undefined ? [] : parseIndex(parseJson(bytes, path), path).manifests
  }
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
