import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fsPromises, { type FileHandle, mkdir, readdir, rename, symlink, writeFile } from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { computeDigest } from '../../oci/digest.ts'
import { DigestCheck } from '../../oci/verify.ts'
import { makeTempDir } from '../../../test/support/temp-dir.ts'
import { BlobFileError, ContentMismatchError } from '../../errors.ts'
import { BlobFiles, RACY_MS, readChunk, SMALL_BLOB_BUDGET, where } from './blob-files.ts'
import type { FileBlob } from '../../content/registry.ts'
import { type HttpError, failureAnswer } from './rejections.ts'

async function blobFile(dir: string, bytes: Buffer, name = 'blob'): Promise<FileBlob> {
  const path = join(dir, name)
  await writeFile(path, bytes)
  return { kind: 'file', digest: computeDigest(bytes), size: bytes.length, path, layout: dir }
}

/** Hashes the file as a transfer would and records the result, as if hashing started at `startedAt`. */
async function hashAndRecord(files: BlobFiles, blob: FileBlob, startedAt: number): Promise<void> {
  const file = await files.open(blob)
  try {
    const check = new DigestCheck(blob, blob.path)
    const { buffer } = await file.handle.read(Buffer.alloc(blob.size), 0, blob.size, 0)
    check.update(buffer)
    await files.record(file, startedAt, check)
  } finally {
    await file.handle.close()
  }
}

async function isVerified(files: BlobFiles, blob: FileBlob): Promise<boolean> {
  const file = await files.open(blob)
  await file.handle.close()
  return file.verified
}

/** What a client is answered for a request that failed with `error`. */
function wire(error: unknown): HttpError {
  return failureAnswer(error).answer
}

function rejects500(logs: string[], blob: FileBlob, ...words: string[]): (error: unknown) => boolean {
  return (error) => error instanceof BlobFileError && wire(error).status === 500 && logs.some((l) => l.includes(blob.path) && words.every((w) => l.includes(w)))
}

describe('BlobFiles', () => {
  it('trusts a file hashed in full only while its identity is unchanged, and only if it was not changed just before', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const files = new BlobFiles(() => undefined)
    const blob = await blobFile(dir, Buffer.alloc(100_000, 1))
    assert.equal(await isVerified(files, blob), false)
    // Changed less than RACY_MS before the hashing started: hashed again next time.
    await hashAndRecord(files, blob, Date.now())
    assert.equal(await isVerified(files, blob), false)
    // Hashed well after the last change: trusted.
    await hashAndRecord(files, blob, Date.now() + RACY_MS + 1000)
    assert.equal(await isVerified(files, blob), true)
    // Rewritten with the same bytes: the ctime moved, so not trusted any more.
    await writeFile(blob.path, Buffer.alloc(100_000, 1))
    assert.equal(await isVerified(files, blob), false)
    // Replaced by another inode with the same bytes: not trusted either.
    await hashAndRecord(files, blob, Date.now() + RACY_MS + 1000)
    assert.equal(await isVerified(files, blob), true)
    await writeFile(join(dir, 'copy'), Buffer.alloc(100_000, 1))
    await rename(join(dir, 'copy'), blob.path)
    assert.equal(await isVerified(files, blob), false)
  })

  it('does not trust a file that changed while it was hashed, and sees the change', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const files = new BlobFiles(() => undefined)
    const blob = await blobFile(dir, Buffer.alloc(100_000, 1))
    const file = await files.open(blob)
    try {
      const check = new DigestCheck(blob, blob.path)
      const { buffer } = await file.handle.read(Buffer.alloc(blob.size), 0, blob.size, 0)
      check.update(buffer)
      await files.confirm(file, Date.now(), undefined) // the last-chunk check of a verified file: unchanged, it passes
      await writeFile(blob.path, Buffer.alloc(100_000, 1)) // same bytes, written again while the transfer runs
      await assert.rejects(
        files.confirm(file, Date.now(), undefined),
        (error: Error) => error instanceof ContentMismatchError && /changed while it was being sent/.test(error.message),
      )
      await files.record(file, Date.now() + RACY_MS + 1000, check)
    } finally {
      await file.handle.close()
    }
    assert.equal(await isVerified(files, blob), false)
  })

  it('remembers a file with the wrong bytes and refuses it, without logging again, until it changes', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const logs: string[] = []
    const files = new BlobFiles((line) => logs.push(line))
    const blob = await blobFile(dir, Buffer.alloc(100_000, 1))
    await writeFile(blob.path, Buffer.alloc(100_000, 2))
    await assert.rejects(hashAndRecord(files, blob, Date.now() + RACY_MS + 1000), ContentMismatchError)
    await assert.rejects(files.open(blob), (e: unknown) => e instanceof BlobFileError && wire(e).status === 500 && wire(e).message.includes('corrupt'))
    assert.deepEqual(logs, [])
    await writeFile(blob.path, Buffer.alloc(100_000, 1))
    assert.equal(await isVerified(files, blob), false)
  })

  it('answers 500 (and logs the file) for a file that is missing, of the wrong size, not a regular file or unreadable', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const logs: string[] = []
    const files = new BlobFiles((line) => logs.push(line))
    const missing: FileBlob = { kind: 'file', digest: computeDigest(Buffer.from('x')), size: 1, path: join(dir, 'missing'), layout: dir }
    await assert.rejects(files.open(missing), rejects500(logs, missing, 'ENOENT'))
    assert.equal(logs.at(-1), `cannot serve ${where(missing)}: cannot open ${missing.path}: ENOENT`)
    const short = await blobFile(dir, Buffer.alloc(10), 'short')
    await assert.rejects(files.open({ ...short, size: 11 }), rejects500(logs, short, '10 bytes', '11'))
    const fifo: FileBlob = { ...short, path: join(dir, 'fifo') }
    execFileSync('mkfifo', [fifo.path])
    await assert.rejects(files.open(fifo), rejects500(logs, fifo, 'not a regular file'))
    const loop: FileBlob = { ...short, path: join(dir, 'loop') }
    await symlink(loop.path, loop.path)
    await assert.rejects(files.open(loop), rejects500(logs, loop, 'ELOOP'))
    const directory: FileBlob = { ...short, path: dir }
    await assert.rejects(files.open(directory), rejects500(logs, directory, 'not a regular file'))
  })

  it('closes every descriptor it opens, whatever the outcome, and names the digest in its errors', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const files = new BlobFiles(() => undefined)
    const good = await blobFile(dir, Buffer.from('good'), 'good')
    const wrong = await blobFile(dir, Buffer.from('good'), 'wrong')
    await writeFile(wrong.path, Buffer.from('evil'))
    const big = await blobFile(dir, Buffer.alloc(100_000, 3), 'big')
    const before = (await readdir('/proc/self/fd')).length
    for (let i = 0; i < 20; i++) {
      await files.readSmall({ ...good })
      await files.readSmall({ ...wrong }).catch(() => undefined)
      await files.check(big)
      await files.check({ ...big, size: 1 }).catch(() => undefined)
    }
    assert.equal((await readdir('/proc/self/fd')).length, before)
    for (const [blob, word] of [
      [wrong, 'corrupt'],
      [{ ...big, size: 1 }, 'corrupt'],
      [{ ...big, path: join(dir, 'none') }, 'cannot be read'],
    ] as const) {
      await assert.rejects(
        files.check(blob),
        (e: unknown) => e instanceof BlobFileError && wire(e).message.includes(word) && wire(e).detail.digest === blob.digest,
      )
    }
  })

  it('reads small blobs whole and checks them before keeping them, within the budget', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const files = new BlobFiles(() => undefined)
    const bytes = Buffer.from('small blob\n')
    const blob = await blobFile(dir, bytes)
    assert.equal(files.cached(blob), undefined)
    assert.deepEqual(await files.readSmall(blob), bytes)
    assert.deepEqual(files.cached(blob), bytes)
    const wrong = await blobFile(dir, bytes, 'wrong')
    await writeFile(wrong.path, Buffer.from('small blob?'))
    await assert.rejects(files.readSmall(wrong), ContentMismatchError)
    assert.equal(files.cached(wrong), undefined)
    // Refused from then on without reading, until the file changes.
    await assert.rejects(files.readSmall(wrong), (e: unknown) => e instanceof BlobFileError && wire(e).status === 500)
    assert.ok(SMALL_BLOB_BUDGET >= 64 * 1024)
  })

  it('keeps small blobs only within SMALL_BLOB_BUDGET', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const files = new BlobFiles(() => undefined)
    const size = 64 * 1024
    let kept = 0
    const count = SMALL_BLOB_BUDGET / size + 2
    for (let i = 0; i < count; i++) {
      const blob = await blobFile(dir, Buffer.alloc(size, i % 256).fill(i >> 8, 0, 1), `b${i}`)
      await files.readSmall(blob)
      if (files.cached(blob) !== undefined) kept++
    }
    assert.equal(kept, SMALL_BLOB_BUDGET / size)
  })

  it('counts a small blob read by two requests at once against the budget once', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const files = new BlobFiles(() => undefined)
    const size = 64 * 1024
    const blobs = await Promise.all(
      Array.from({ length: SMALL_BLOB_BUDGET / size }, (_, i) => blobFile(dir, Buffer.alloc(size, i % 256).fill(i >> 8, 0, 1), `b${i}`)),
    )
    const [first] = blobs
    assert.ok(first)
    // Both requests find it not cached yet, and both read it.
    await Promise.all([files.readSmall(first), files.readSmall(first)])
    for (const blob of blobs.slice(1)) await files.readSmall(blob)
    assert.equal(blobs.filter((blob) => files.cached(blob) !== undefined).length, blobs.length, 'every blob fits the budget')
  })

  it('asks before each read of a whole-file hash whether to go on, and hands the file back verified', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const files = new BlobFiles(() => undefined)
    const blob = await blobFile(dir, Buffer.alloc(100_000, 1))
    const file = await files.open(blob)
    t.after(() => file.handle.close())
    let asked = 0
    const verified = await files.verifyWhole(file, Buffer.alloc(16 * 1024), () => asked++)
    assert.deepEqual([verified.verified, asked], [true, Math.ceil(100_000 / (16 * 1024))])
    const stop = new Error('client gone')
    await assert.rejects(
      files.verifyWhole(file, Buffer.alloc(16 * 1024), () => {
        if (--asked === 5) throw stop
      }),
      stop,
    )
  })

  it('does not take a file for a layout blob when its path no longer leads to the opened file', async (t) => {
    const layout = (await makeTempDir('test-', t)).path
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    const bytes = Buffer.alloc(100_000, 1)
    const digest = computeDigest(bytes)
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true })
    const blob = await blobFile(join(layout, 'blobs', 'sha256'), bytes, digest.slice('sha256:'.length))
    const files = new BlobFiles(() => undefined)
    const opened = await files.open(blob)
    await opened.handle.close()
    assert.equal(opened.layoutBlob, true)
    // Replaced by another file (same bytes, another inode) right after the open.
    const open = fsPromises.open
    const replacingOpen = t.mock.method(fsPromises, 'open', async (...args: Parameters<typeof open>) => {
      const handle = await open(...args)
      await writeFile(join(layout, 'copy'), bytes)
      await rename(join(layout, 'copy'), blob.path)
      return handle
    })
    syncBuiltinESMExports()
    t.after(() => {
      replacingOpen.mock.restore()
      syncBuiltinESMExports()
    })
    const replaced = await files.open(blob)
    await replaced.handle.close()
    assert.deepEqual([replaced.layoutBlob, replacingOpen.mock.callCount()], [false, 1])
  })
})

describe('readChunk', () => {
  /** A handle whose reads return at most `step` bytes of `bytes`: POSIX lets any read return fewer bytes than asked for. */
  function shortReads(bytes: Buffer, step: number): FileHandle {
    const read = async (buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Buffer }> => {
      const bytesRead = Math.max(0, Math.min(step, length, bytes.length - position))
      bytes.copy(buffer, offset, position, position + bytesRead)
      return { bytesRead, buffer }
    }
    return { read } as unknown as FileHandle
  }

  it('fills the buffer through short reads, and says how many bytes a file that ends early lacks', async () => {
    const bytes = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz')
    const blob: FileBlob = { kind: 'file', digest: computeDigest(bytes), size: bytes.length, path: '/layout/blobs/x', layout: '/layout' }
    const file = { blob, handle: shortReads(bytes, 3), identity: '', verified: false, layoutBlob: true }
    const buffer = Buffer.alloc(10)
    assert.equal(await readChunk(file, buffer, 5, 36), 10)
    assert.equal(buffer.toString(), '56789abcde')
    assert.equal(await readChunk(file, buffer, 30, 36), 6)
    assert.equal(buffer.subarray(0, 6).toString(), 'uvwxyz')
    const short = { ...file, handle: shortReads(bytes.subarray(0, 12), 3) }
    await assert.rejects(
      readChunk(short, buffer, 5, 36),
      (e: unknown) => e instanceof ContentMismatchError && e.message.endsWith(': the file ended 24 bytes early'),
    )
  })
})
