import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { readRegularFile } from './regular-file.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'

const fail = (message: string): Error => new RangeError(message)

function refused(path: string, limit: number, message: string, where?: string): void {
  assert.throws(
    () => readRegularFile(path, limit, fail, where),
    (error: unknown) => {
      assert.ok(error instanceof RangeError, String(error))
      assert.equal(error.message, message)
      return true
    },
  )
}

describe('readRegularFile', () => {
  it('reads a regular file, and one a symlink points at, whole', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const file = join(dir, 'f')
    await writeFile(file, 'x'.repeat(100))
    await symlink(file, join(dir, 'link'))
    assert.equal(readRegularFile(file, 100, fail).toString(), 'x'.repeat(100))
    assert.equal(readRegularFile(join(dir, 'link'), 1000, fail).toString(), 'x'.repeat(100))
    await writeFile(join(dir, 'empty'), '')
    assert.equal(readRegularFile(join(dir, 'empty'), 10, fail).length, 0)
  })

  it('refuses a FIFO at once, without waiting for a writer', async (t) => {
    const fifo = (await makeTempDir('test-', t)).join('fifo')
    execFileSync('mkfifo', [fifo])
    refused(fifo, 100, `${fifo}: not a regular file (a FIFO)`)
  })

  it('refuses directories and devices (also through a symlink), naming them as `where` says', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await mkdir(join(dir, 'd'))
    refused(join(dir, 'd'), 100, `the thing: not a regular file (a directory)`, 'the thing')
    await symlink('/dev/zero', join(dir, 'zero'))
    refused(join(dir, 'zero'), 100, `${join(dir, 'zero')}: not a regular file (a device)`)
    refused('/dev/null', 100, '/dev/null: not a regular file (a device)')
  })

  it('refuses a file over the limit before reading it', async (t) => {
    const file = (await makeTempDir('test-', t)).join('f')
    await writeFile(file, 'x'.repeat(101))
    refused(file, 100, `${file}: 101 bytes is over the 100-byte limit`)
  })

  it('reads past the size fstat gave, up to the limit (files whose size says 0, like /proc)', () => {
    const status = readRegularFile('/proc/self/status', 1024 * 1024, fail).toString()
    assert.match(status, /^Name:/)
    assert.ok(status.length > 100)
    refused('/proc/self/status', 100, '/proc/self/status: grew past the 100-byte limit while it was read')
  })

  it('closes the file it opened, whether it reads it or refuses it', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await writeFile(join(dir, 'f'), 'x'.repeat(100))
    await mkdir(join(dir, 'd'))
    const open = (): number => readdirSync('/proc/self/fd').length
    const before = open()
    for (let i = 0; i < 20; i++) {
      readRegularFile(join(dir, 'f'), 100, fail)
      assert.throws(() => readRegularFile(join(dir, 'f'), 10, fail), RangeError)
      assert.throws(() => readRegularFile(join(dir, 'd'), 100, fail), RangeError)
    }
    assert.equal(open(), before)
  })

  it('lets errors of the file system through as they are', () => {
    assert.throws(() => readRegularFile('/does/not/exist', 100, fail), { code: 'ENOENT' })
  })
})
