// Copies a byte range of an open blob file to an HTTP response: the hot path of a pull.
//
// Reads go into a pair of pooled buffers (buffer-pool.ts): one is read while the other is
// written, and a buffer is read into again only after the socket took its previous bytes, so a
// slow client slows the reads and memory grows neither with the blob nor with the number of
// connections (and, unlike an fs.ReadStream, no buffer is allocated per read). The last chunk
// is held back until the bytes are known to be right (blob-files.ts says how); otherwise the
// transfer rejects and the response is destroyed, so the client sees a broken transfer.

import type { FileBlob } from '../../content/registry.ts'
import { DigestCheck } from '../../oci/verify.ts'
import { type OpenBlobFile, readChunk, where } from './blob-files.ts'
import type { Context } from './context.ts'
import type { Exchange } from './exchange.ts'
import type { ByteRange } from './ranges.ts'

/** The response went away before the transfer ended (client hung up, server closing, cut off). */
export class ResponseClosedError extends Error {
  constructor() {
    super('response closed before the blob was sent')
    this.name = 'ResponseClosedError'
  }
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
export async function sendRange(context: Context, exchange: Exchange, blob: FileBlob, range: ByteRange, writeHead: () => void): Promise<void> {
  await new Transfer(context, exchange, writeHead).send(blob, range)
}

/** One range of one blob file on its way to one response. */
class Transfer {
  readonly #context: Context
  readonly #exchange: Exchange
  readonly #writeHead: () => void
  /** Settles when the response closes (finished, cut off, or the client went away). */
  readonly #closed: Promise<void>
  /** What the buffer pool knows of this transfer: when the socket last took bytes, and how to end it. */
  readonly #holder: { lastProgress: number; cutOff(): void }
  readonly #writes: [Write | undefined, Write | undefined] = [undefined, undefined]
  /** Settles once the first byte is handed to the socket, or the transfer ended before that. */
  readonly #firstByte: Promise<void>
  readonly #firstByteSent: () => void

  constructor(context: Context, exchange: Exchange, writeHead: () => void) {
    this.#context = context
    this.#exchange = exchange
    this.#writeHead = writeHead
    const { res } = exchange
    this.#closed = res.destroyed ? Promise.resolve() : new Promise((resolve) => res.once('close', resolve))
    this.#holder = { lastProgress: Date.now(), cutOff: () => res.destroy() }
    const firstByte = Promise.withResolvers<void>()
    this.#firstByte = firstByte.promise
    this.#firstByteSent = firstByte.resolve
  }

  async send(blob: FileBlob, range: ByteRange): Promise<void> {
    const { res } = this.#exchange
    // Until its first byte goes out, the transfer waits on the server (for buffers, the file, a
    // file hashed whole first, the first read), not on a client that stopped reading: the send
    // timeout does not count that time (connections.ts). A client that goes away meanwhile still
    // ends the transfer (`closed`).
    void this.#context.connections.waitOnServer(res.socket, this.#firstByte)
    try {
      await this.#sendWithBuffers(blob, range)
    } finally {
      this.#firstByteSent()
    }
  }

  async #sendWithBuffers(blob: FileBlob, range: ByteRange): Promise<void> {
    const { pool } = this.#context
    const { res } = this.#exchange
    // Buffers first, then the file: a request waiting for buffers holds no file descriptor.
    const pair = await pool.acquire(this.#holder, this.#closed)
    if (pair === undefined) throw new ResponseClosedError()
    let file: OpenBlobFile | undefined
    try {
      file = await this.#open(blob, pair[0])
      const held = await this.#copy(file, range, pair)
      this.#write(held.slot, held.chunk)
      await Promise.race([Promise.all(this.#writes.map((w) => w?.done)), this.#closed])
      this.#throwIfClosed()
      res.end()
    } finally {
      await file?.handle.close()
      this.#writes.forEach((w, slot) => (w === undefined || w.settled ? pool.release(pair[slot] as Buffer) : pool.abandon()))
      pool.leave(this.#holder)
    }
  }

  /** The file, opened; one that may not stream while it is hashed is hashed whole first, through `buffer`. */
  async #open(blob: FileBlob, buffer: Buffer): Promise<OpenBlobFile> {
    const { files } = this.#context
    const file = await files.open(blob)
    if (file.verified || file.layoutBlob) return file
    const beforeRead = (): void => {
      this.#throwIfClosed()
      this.#holder.lastProgress = Date.now()
    }
    return files.verifyWhole(file, buffer, beforeRead)
  }

  /** Reads (and sends all but the last chunk of the range); returns the last chunk once it is known to be right. */
  async #copy(file: OpenBlobFile, range: ByteRange, pair: [Buffer, Buffer]): Promise<{ chunk: Buffer; slot: 0 | 1 }> {
    const { start, end } = range
    const check = file.verified ? undefined : new DigestCheck(file.blob, where(file.blob))
    const hashStartedAt = Date.now()
    let position = check === undefined ? start : 0
    const readEnd = check === undefined ? end + 1 : file.blob.size
    let held: { chunk: Buffer; slot: 0 | 1 } | undefined
    let slot: 0 | 1 = 0
    while (position < readEnd) {
      if (held?.slot === slot) slot = slot === 0 ? 1 : 0
      const previous = this.#writes[slot]
      if (previous !== undefined && !previous.settled) await Promise.race([previous.done, this.#closed])
      this.#throwIfClosed()
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
      this.#write(slot, chunk)
      slot = slot === 0 ? 1 : 0
    }
    if (held === undefined) throw new Error(`the range ${start}-${end} of ${where(file.blob)} was never read`)
    await this.#context.files.confirm(file, hashStartedAt, check)
    return held
  }

  /** Hands a chunk to the response (its head first); `settled` once the socket has taken it (or failed), so its buffer may be reused. */
  #write(slot: 0 | 1, chunk: Buffer): void {
    this.#throwIfClosed()
    const { res } = this.#exchange
    if (!res.headersSent) this.#writeHead()
    let resolveDone: () => void = () => undefined
    const w: Write = { done: new Promise<void>((resolve) => (resolveDone = resolve)), settled: false }
    res.write(chunk, () => {
      w.settled = true
      this.#holder.lastProgress = Date.now()
      resolveDone()
    })
    this.#writes[slot] = w
    this.#exchange.bytes += chunk.length
    this.#firstByteSent()
  }

  #throwIfClosed(): void {
    if (this.#exchange.res.destroyed) throw new ResponseClosedError()
  }
}
