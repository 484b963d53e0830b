import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { ManifestIndex, RunfilesResolver, parseRunfilesManifest } from './index.ts'
import { RunfilesError } from '../errors.ts'

const root = mkdtempSync(join(tmpdir(), 'runfiles-test-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0

function fresh(): string {
  const dir = join(root, String(counter++))
  mkdirSync(dir, { recursive: true })
  return dir
}

function touch(path: string, content = 'x'): string {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
  return path
}

/** A real "bazel-out" layout directory and a runfiles tree that holds a copy of it. */
function fakeTree(withTree = true): { base: string; tree: string; real: string } {
  const base = fresh()
  const real = join(base, 'bazel-out', 'bin', 'x', 'image')
  touch(join(real, 'index.json'), '{}')
  touch(join(real, 'blobs', 'sha256', 'abc'))
  const tree = join(base, 'bin', 'foo.runfiles')
  if (!withTree) return { base, tree, real }
  touch(join(tree, '_main', 'x', 'image', 'index.json'), '{}')
  touch(join(tree, '_main', 'x', 'image', 'blobs', 'sha256', 'abc'))
  return { base, tree, real }
}

const noEnv = { env: {}, program: '' }

describe('runfiles tree', () => {
  test('RUNFILES_DIR resolves directories and files', () => {
    const { tree } = fakeTree()
    const r = RunfilesResolver.discover({ env: { RUNFILES_DIR: tree }, program: '' })
    assert.equal(r.rlocation('_main/x/image', 'image app'), join(tree, '_main/x/image'))
    assert.equal(r.rlocation('_main/x/image/blobs/sha256/abc', 'blob'), join(tree, '_main/x/image/blobs/sha256/abc'))
  })

  test('an apparent repository name maps through _repo_mapping', () => {
    const base = fresh()
    const tree = join(base, 'foo.runfiles')
    touch(join(tree, 'other_repo+', 'image', 'index.json'))
    touch(join(tree, '_repo_mapping'), ',other_repo,other_repo+\n,main,_main\n')
    const r = new RunfilesResolver([{ kind: 'tree', path: tree, origin: 'test' }])
    assert.equal(r.rlocation('other_repo/image', 'image'), join(tree, 'other_repo+', 'image'))
  })

  test('the tree holding a file is found from the file path', () => {
    const { tree } = fakeTree()
    const manifest = touch(join(tree, '_main', 'pkg', 'm.prototxt'))
    const r = RunfilesResolver.discover(noEnv, [manifest])
    assert.deepEqual(
      r.locations.map((l) => l.path),
      [tree],
    )
    assert.equal(r.rlocation('_main/x/image', 'image'), join(tree, '_main/x/image'))
  })

  test('<program>.runfiles and enclosing trees of the program', () => {
    const { base, tree } = fakeTree()
    const program = touch(join(base, 'bin', 'foo'))
    const r = RunfilesResolver.discover({ env: {}, program })
    assert.equal(r.rlocation('_main/x/image', 'image'), join(tree, '_main/x/image'))
    const inside = RunfilesResolver.discover({ env: {}, program: join(tree, '_main', 'src', 'cli', 'main.ts') })
    assert.equal(inside.rlocation('_main/x/image', 'image'), join(tree, '_main/x/image'))
  })

  test('--runfiles DIR', () => {
    const { tree } = fakeTree()
    const r = RunfilesResolver.discover({ runfiles: tree, env: {}, program: '' })
    assert.equal(r.locations[0]?.origin, '--runfiles')
    assert.equal(r.rlocation('_main/x/image', 'image'), join(tree, '_main/x/image'))
  })
})

describe('runfiles manifest', () => {
  function manifestOnly(): { base: string; manifest: string; real: string } {
    const { base, real } = fakeTree(false)
    const manifest = touch(
      join(base, 'bin', 'foo.runfiles_manifest'),
      [`_main/pkg/m.prototxt ${join(base, 'm.prototxt')}`, `_main/x/image ${real}`, '_main/empty_file ', ''].join('\n'),
    )
    return { base, manifest, real }
  }

  test('RUNFILES_MANIFEST_FILE: a directory entry, and paths under it', () => {
    const { manifest, real } = manifestOnly()
    const r = RunfilesResolver.discover({ env: { RUNFILES_MANIFEST_FILE: manifest, RUNFILES_MANIFEST_ONLY: '1' }, program: '' })
    assert.equal(r.rlocation('_main/x/image', 'image'), real)
    assert.equal(r.rlocation('_main/x/image/blobs/sha256/abc', 'blob'), join(real, 'blobs/sha256/abc'))
    assert.throws(() => r.rlocation('_main/x/image/blobs/sha256/missing', 'blob'), RunfilesError)
  })

  test('RUNFILES_DIR of a tree without links falls back to the manifest inside it', () => {
    const { base, real } = fakeTree(false)
    const tree = join(base, 'bin', 'foo.runfiles')
    touch(join(tree, 'MANIFEST'), `_main/x/image ${real}\n`)
    const r = RunfilesResolver.discover({ env: { RUNFILES_DIR: tree }, program: '' })
    assert.equal(r.rlocation('_main/x/image', 'image'), real)
  })

  test('<program>.runfiles_manifest without any variable', () => {
    const { base, real } = manifestOnly()
    const r = RunfilesResolver.discover({ env: {}, program: join(base, 'bin', 'foo') })
    assert.equal(r.rlocation('_main/x/image', 'image'), real)
  })

  test('--runfiles MANIFEST', () => {
    const { manifest, real } = manifestOnly()
    const r = RunfilesResolver.discover({ runfiles: manifest, ...noEnv })
    assert.equal(r.rlocation('_main/x/image/index.json', 'index'), join(real, 'index.json'))
  })

  test('a directory listed file by file is derived from its files', () => {
    const index = new ManifestIndex(
      'm',
      new Map([
        ['_main/x/imagery/index.json', '/elsewhere/imagery/index.json'],
        ['_main/x/image/blobs/sha256/abc', '/real/image/blobs/sha256/abc'],
        ['_main/x/image/index.json', '/real/image/index.json'],
      ]),
    )
    assert.equal(index.lookup('_main/x/image'), '/real/image')
    assert.equal(index.lookup('_main/x/imag'), undefined)
  })

  test('escaped lines (paths with spaces, newlines, backslashes)', () => {
    const entries = parseRunfilesManifest(' _main/a\\sb/c\\nd\\be /real/a b/c\\nd\\be\n_main/plain /real/plain\r\n_main/empty\n')
    assert.equal(entries.get('_main/a b/c\nd\\e'), '/real/a b/c\nd\\e')
    assert.equal(entries.get('_main/plain'), '/real/plain')
    assert.equal(entries.get('_main/empty'), '')
  })
})

describe('errors', () => {
  test('a miss names the image, the path and every place looked at', () => {
    const { tree } = fakeTree()
    const base = fresh()
    const manifest = touch(join(base, 'MANIFEST'), '_main/y /nowhere\n')
    const r = RunfilesResolver.discover({ env: { RUNFILES_DIR: tree, RUNFILES_MANIFEST_FILE: manifest }, program: '' })
    assert.throws(
      () => r.rlocation('_main/not/there', 'image app:latest (m.prototxt:3)'),
      (error: unknown) => {
        assert.ok(error instanceof RunfilesError)
        assert.equal(error.code, 'ERR_LOCALREGISTRY_RUNFILES')
        assert.match(error.message, /^image app:latest \(m\.prototxt:3\): runfiles path "_main\/not\/there" does not resolve/)
        assert.ok(error.message.includes(`runfiles manifest ${manifest} (RUNFILES_MANIFEST_FILE)`), error.message)
        assert.ok(error.message.includes(`runfiles tree ${tree} (RUNFILES_DIR): ${join(tree, '_main/not/there')} does not exist`), error.message)
        return true
      },
    )
  })

  test('no runfiles at all says how to provide them', () => {
    const r = RunfilesResolver.discover(noEnv)
    assert.throws(() => r.rlocation('_main/x', 'image a'), /no runfiles found.*--runfiles/)
  })

  test('unnormalized paths are rejected; absolute paths are used as they are', () => {
    const { real } = fakeTree()
    const r = RunfilesResolver.discover(noEnv)
    assert.throws(() => r.rlocation('_main/../x', 'image a'), /relative and normalized/)
    assert.equal(r.rlocation(real, 'image a'), real)
  })

  test('a path longer than any path is not looked up, and the message quotes 100 characters of it', () => {
    const { tree } = fakeTree()
    const r = RunfilesResolver.discover({ env: { RUNFILES_DIR: tree }, program: '' })
    for (const path of [`_main/${'x'.repeat(50_000_000)}`, `/${'x'.repeat(5000)}`]) {
      assert.throws(
        () => r.rlocation(path, 'image a'),
        (error: Error) => {
          assert.equal(
            error.message,
            `image a: runfiles path "${path.slice(0, 100)}..." (${path.length} characters) does not resolve: it is ${path.length} characters long, and no path is longer than 4096`,
          )
          return true
        },
      )
    }
    assert.throws(() => r.rlocation(`_main/${'x'.repeat(4090)}`, 'image a'), /runfiles path "_main\/x{4090}" does not resolve/)
  })

  test('--runfiles that does not exist', () => {
    assert.throws(() => RunfilesResolver.discover({ runfiles: join(root, 'nope'), ...noEnv }), /--runfiles .*does not exist/)
  })
})
