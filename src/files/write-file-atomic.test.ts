import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { writeFileAtomic } from './write-file-atomic.ts'

describe('writeFileAtomic', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'write-file-atomic-'))
  after(() => rm(dir, { recursive: true, force: true }))

  test('writes the whole file and returns the identity of the file it wrote', async () => {
    const file = join(dir, 'out.txt')
    const identity = await writeFileAtomic(file, 'first\n')
    const written = await writeFileAtomic(file, 'second\n')
    assert.equal(await readFile(file, 'utf8'), 'second\n')
    const { dev, ino } = await stat(file)
    assert.deepEqual(written, { dev, ino })
    assert.notEqual(identity.ino, written.ino, 'a new file replaced the old one')
    assert.deepEqual(await readdir(dir), ['out.txt'], 'no temp file is left behind')
  })

  test('fails naming the file, not the temp file, and leaves no temp file when the rename fails', async () => {
    const target = join(dir, 'a-directory')
    await mkdir(target)
    await assert.rejects(writeFileAtomic(target, 'data', { name: '--out' }), {
      code: 'ERR_LOCALREGISTRY_OUTPUT_FILE',
      message: `--out ${target}: EISDIR: illegal operation on a directory`,
    })
    assert.deepEqual((await readdir(dir)).sort(), ['a-directory', 'out.txt'])
  })
})
