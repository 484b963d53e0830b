// Copies a byte range of an open blob file to an HTTP response: the hot path of a pull.
//
// Reads go into a pair of pooled buffers (buffer-pool.ts): one is read while the other is
// written, and a buffer is read into again only after the socket took its previous bytes, so
// a slow client slows the reads and memory grows neither with the blob nor with the number of
// connections. Reused buffers are also what makes this faster than an fs.ReadStream, which
// allocates a new buffer for every read.
//
// The last chunk of the response is held back until its bytes are known to be right
// (blob-files.ts says why this is enough). A verified file is read over the range only, and
// the descriptor's identity is checked again before the last chunk. A layout's blob file is
// read and hashed whole, the bytes of the range sent as they pass, so what is sent is what was
// hashed. Otherwise the transfer rejects with a ContentMismatchError and the caller destroys
// the response: the client sees a broken transfer, never a complete one. Any other file is
// hashed whole before the first byte (a wrong one is answered 500), then sent as a verified one.

import type { ServerResponse } from 'node:http'
import { DigestCheck } from '../../oci/verify.ts'
import { ContentMismatchError } from '../../errors.ts'
import { type BlobFiles, type OpenBlobFile, where } from './blob-files.ts'
import type { BufferPool } from './buffer-pool.ts'
import { waitOnServer } from './connections.ts'
import type { ByteRange } from './ranges.ts'
import type { FileBlob } from '../../content/registry.ts'

/** The response went away before the transfer ended (client hung up, server closing, cut off). */
export class ResponseClosedError extends Error {
  constructor() {
    super('response closed before the blob was sent')
    this.name = 'ResponseClosedError'
  }
}

export interface TransferOptions {
  readonly pool: BufferPool
  readonly files: BlobFiles
  /** Called with the size of each chunk handed to the response (for the request log). */
  readonly onBytes: ((bytes: number) => void) | undefined
}

/** A chunk handed to the socket: its buffer may be reused once `settled`. */
interface Write {
  readonly done: Promise<void>
  settled: boolean
}

/**
 * Sends the range of the file and ends the response, calling `writeHead` just before the first
 * byte goes out; rejects (without ending the response) on any failure.
 */
export async function sendRange(blob: FileBlob, res: ServerResponse, range: ByteRange, writeHead: () => void, options: TransferOptions): Promise<void> {
  const closed = closedPromise(res)
  const holder: { lastProgress: number; cutOff(): void } = { lastProgress: Date.now(), cutOff: () => res.destroy() }
  // Buffers first, then the file: a request waiting for buffers holds no file descriptor. The
  // wait is the server's, not a client that stopped reading, so the send timeout does not count
  // it (connections.ts); a client that goes away while waiting still ends it (`closed`).
  const pair = await waitOnServer(res.socket, options.pool.acquire(holder, closed))
  if (pair === undefined) throw new ResponseClosedError()
  const writes: [Write | undefined, Write | undefined] = [undefined, undefined]
  let file: OpenBlobFile | undefined
  try {
    file = await options.files.open(blob)
    if (!file.verified && !file.layoutBlob) file = await waitOnServer(res.socket, hashFirst(file, res, pair[0], holder, options.files))
    const sink = { res, writeHead, holder }
    const held = await copy(file, sink, range, pair, writes, closed, options)
    if (res.destroyed) throw new ResponseClosedError()
    writes[held.slot] = write(sink, held.chunk)
    options.onBytes?.(held.chunk.length)
    await Promise.race([Promise.all(writes.map((w) => w?.done)), closed])
    if (res.destroyed) throw new ResponseClosedError()
    res.end()
  } finally {
    await file?.handle.close()
    writes.forEach((w, slot) => (w === undefined || w.settled ? options.pool.release(pair[slot] as Buffer) : options.pool.abandon()))
    options.pool.leave(holder)
  }
}

/** Reads (and sends all but the last chunk of the range); returns the last chunk once it is known to be right. */
async function copy(
  file: OpenBlobFile,
  sink: Sink,
  range: ByteRange,
  pair: [Buffer, Buffer],
  writes: [Write | undefined, Write | undefined],
  closed: Promise<void>,
  options: TransferOptions,
): Promise<{ chunk: Buffer; slot: 0 | 1 }> {
  const { res } = sink
  const { start, end } = range
  const check = file.verified ? undefined : new DigestCheck(file.blob, where(file.blob))
  const hashStartedAt = Date.now()
  let position = check === undefined ? start : 0
  const readEnd = check === undefined ? end + 1 : file.blob.size
  let held: { chunk: Buffer; slot: 0 | 1 } | undefined
  let slot: 0 | 1 = 0
  while (position < readEnd) {
    if (held?.slot === slot) slot = slot === 0 ? 1 : 0
    const previous = writes[slot]
    if (previous !== undefined && !previous.settled) await Promise.race([previous.done, closed])
    if (res.destroyed) throw new ResponseClosedError()
    const buffer = pair[slot]
    const read = await readChunk(file, buffer, position, readEnd)
    check?.update(buffer.subarray(0, read))
    // The part of this chunk inside the range, if any.
    const from = Math.max(position, start)
    const to = Math.min(position + read, end + 1)
    position += read
    if (from >= to) continue
    const chunk = buffer.subarray(from - (position - read), to - (position - read))
    if (to === end + 1) {
      held = { chunk, slot }
      continue
    }
    if (res.destroyed) throw new ResponseClosedError()
    writes[slot] = write(sink, chunk)
    options.onBytes?.(chunk.length)
    slot = slot === 0 ? 1 : 0
  }
  if (held === undefined) throw new Error(`the range ${start}-${end} of ${where(file.blob)} was never read`)
  if (check === undefined) {
    if (!(await options.files.unchanged(file))) throw new ContentMismatchError(`${where(file.blob)}: the file changed while it was being sent`)
  } else {
    await options.files.record(file, hashStartedAt, check)
  }
  return held
}

/**
 * Hashes the whole file, before any byte is sent, through one of the transfer's buffers; the
 * file as verified for this transfer. The wait is the server's: the pool holder counts as
 * progressing (and the caller takes the send timeout off the socket).
 */
async function hashFirst(file: OpenBlobFile, res: ServerResponse, buffer: Buffer, holder: { lastProgress: number }, files: BlobFiles): Promise<OpenBlobFile> {
  const check = new DigestCheck(file.blob, where(file.blob))
  const startedAt = Date.now()
  for (let position = 0; position < file.blob.size;) {
    if (res.destroyed) throw new ResponseClosedError()
    const read = await readChunk(file, buffer, position, file.blob.size)
    check.update(buffer.subarray(0, read))
    position += read
    holder.lastProgress = Date.now()
  }
  await files.record(file, startedAt, check)
  return { ...file, verified: true }
}

/** Reads the next chunk (a buffer's worth, up to `end`) at `position`; a ContentMismatchError when the file ends before `end`. */
async function readChunk(file: OpenBlobFile, buffer: Buffer, position: number, end: number): Promise<number> {
  const wanted = Math.min(buffer.length, end - position)
  let total = 0
  while (total < wanted) {
    const { bytesRead } = await file.handle.read(buffer, total, wanted - total, position + total)
    if (bytesRead === 0) break
    total += bytesRead
  }
  if (total < wanted) throw new ContentMismatchError(`${where(file.blob)}: the file ended ${end - position - total} bytes early`)
  return total
}

/** Where the chunks go: the response, its head (written before the first chunk), and the pool holder to keep current. */
interface Sink {
  readonly res: ServerResponse
  readonly writeHead: () => void
  readonly holder: { lastProgress: number }
}

/** Hands a chunk to the response; `settled` once the socket has taken it (or failed), so its buffer may be reused. */
function write(sink: Sink, chunk: Buffer): Write {
  const { res, holder } = sink
  if (!res.headersSent) sink.writeHead()
  let resolveDone: () => void = () => undefined
  const w: Write = { done: new Promise<void>((resolve) => (resolveDone = resolve)), settled: false }
  res.write(chunk, () => {
    w.settled = true
    holder.lastProgress = Date.now()
    resolveDone()
  })
  return w
}

function closedPromise(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve()
  return new Promise((resolve) => res.once('close', resolve))
}
