// Deterministic test content: the same seed always gives the same bytes, so fixture
// layouts (and their digests) are the same on every machine and every run.

import { createCipheriv, createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pack } from 'tar-stream'

const CHUNK = 1024 * 1024

/** Incompressible pseudo-random bytes (AES-256-CTR keystream keyed by the seed), streamed in 1 MiB chunks. */
export function pseudoRandomStream(seed: string, size: number): Readable {
  const key = createHash('sha256').update(seed).digest()
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(CHUNK)
  let left = size
  return new Readable({
    read(): void {
      if (left === 0) {
        this.push(null)
        return
      }
      const n = Math.min(CHUNK, left)
      left -= n
      this.push(cipher.update(zeros.subarray(0, n)))
    },
  })
}

/** An uncompressed tar holding one file of pseudo-random bytes, with fixed metadata (mtime 0, root-owned). */
export function tarLayerStream(seed: string, fileSize: number): Readable {
  const tar = pack()
  const entry = tar.entry(
    {
      name: `${seed.replace(/[^a-zA-Z0-9._-]/g, '_')}.bin`,
      size: fileSize,
      mode: 0o644,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
      uname: 'root',
      gname: 'root',
      type: 'file',
    },
    (error) => {
      if (error) tar.destroy(error)
      else tar.finalize()
    },
  )
  pseudoRandomStream(seed, fileSize).pipe(entry)
  // tar-stream 3 streams are streamx streams; Readable.from adapts them through async iteration.
  return Readable.from(tar)
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
