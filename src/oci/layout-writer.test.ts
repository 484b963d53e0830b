// Writing layouts: byte-for-byte round trips (indexes stay indexes), atomicity when a write
// is aborted, merging into an existing layout by ref name, and skipping blobs it already has.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { Readable } from 'node:stream'
import { describe, it, type TestContext } from 'node:test'
import type { Descriptor } from './descriptor.ts'
import { type Layout, readLayout, selectEntry } from './layout.ts'
import { LayoutWriter, type WriteEntry, writeLayout } from './layout-writer.ts'
import { ownedName } from './owned-files.ts'
import { type ContentSource, makeRef } from './ref.ts'
import * as mt from './media-types.ts'
import { ContentMismatchError, LayoutError } from '../errors.ts'
import { FIXTURE_KINDS, type FixtureKind, type FixtureOptions, buildFixtureLayout } from '../testing/fixtures.ts'
import { deadPid } from '../../test/support/layouts.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'

async function fixture(t: TestContext, kind: FixtureKind, options: Omit<FixtureOptions, 'kind'> = {}): Promise<string> {
  const dir = (await makeTempDir('test-', t)).join('layout')
  await buildFixtureLayout(dir, { kind, ...options })
  return dir
}

/** Every file under `dir` (relative path -> sha256 of its bytes), symlinks followed. */
async function tree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name)
    if ((await stat(path)).isFile())
      files.set(
        relative(dir, path),
        createHash('sha256')
          .update(await readFile(path))
          .digest('hex'),
      )
  }
  return files
}

async function blobTree(dir: string): Promise<Map<string, string>> {
  return new Map([...(await tree(dir))].filter(([path]) => path.startsWith('blobs/')))
}

/** The write entries that reproduce a layout's index.json entries. */
function entriesOf(layout: Layout): WriteEntry[] {
  return layout.entries.map(({ ref, descriptor }) => ({ ref, annotations: descriptor.annotations, platform: descriptor.platform }))
}

async function indexEntries(dir: string): Promise<Descriptor[]> {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')).manifests
}

async function siblings(dir: string): Promise<string[]> {
  return (await readdir(join(dir, '..'))).sort()
}

describe('writeLayout: round trips', () => {
  for (const kind of FIXTURE_KINDS) {
    it(`${kind}: read, write, read gives the same blobs byte for byte and the same entries`, async (t) => {
      const source = await fixture(t, kind)
      const copy = (await makeTempDir('test-', t)).join('copy')
      const layout = await readLayout(source)
      await writeLayout(copy, entriesOf(layout))
      assert.deepEqual(await blobTree(copy), await blobTree(source))
      assert.deepEqual(await indexEntries(copy), await indexEntries(source))
      const again = await readLayout(copy)
      assert.deepEqual(
        again.entries.map((e) => e.ref.raw),
        layout.entries.map((e) => e.ref.raw),
      )
    })
  }

  it('writes an index with its index media type, never as an image', async (t) => {
    const layout = await readLayout(await fixture(t, 'nested'))
    const copy = (await makeTempDir('test-', t)).join('copy')
    await writeLayout(copy, [{ ref: selectEntry(layout).ref }])
    const [entry] = await indexEntries(copy)
    assert.equal(entry?.mediaType, mt.OCI_INDEX)
    assert.equal(selectEntry(await readLayout(copy)).ref.kind, 'index')
  })

  it('writes the same index.json again when a written layout is copied (rules_oci-shaped source)', async (t) => {
    const source = await fixture(t, 'rules-oci')
    const first = (await makeTempDir('test-', t)).join('first')
    const second = (await makeTempDir('test-', t)).join('second')
    await writeLayout(first, entriesOf(await readLayout(source)))
    await writeLayout(second, entriesOf(await readLayout(first)))
    assert.deepEqual(await tree(second), await tree(first))
    assert.deepEqual(JSON.parse(await readFile(join(first, 'index.json'), 'utf8')).mediaType, mt.OCI_INDEX)
  })

  it('writes a layout into an existing empty directory (a Bazel tree artifact)', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    await mkdir(dir)
    await buildFixtureLayout(dir, { kind: 'image' })
    assert.equal((await readLayout(dir)).entries.length, 1)
  })

  it('refuses a path that is a file, naming it, and leaves the file as it is', async (t) => {
    const source = await readLayout(await fixture(t, 'image'))
    const target = join((await makeTempDir('test-', t)).path, 'target')
    await writeFile(target, 'a file')
    await assert.rejects(
      writeLayout(target, entriesOf(source)),
      (error: unknown) => error instanceof LayoutError && error.message === `cannot write OCI layout to ${target}: it exists and is not a directory`,
    )
    assert.equal(await readFile(target, 'utf8'), 'a file')
  })

  it('writes into an existing layout that has no blobs directory yet (an empty layout)', async (t) => {
    const source = await readLayout(await fixture(t, 'image'))
    const target = join((await makeTempDir('test-', t)).path, 'target')
    await mkdir(target)
    await writeFile(join(target, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    await writeFile(join(target, 'index.json'), '{"schemaVersion":2,"manifests":[]}')
    await writeLayout(target, entriesOf(source))
    assert.deepEqual(await blobTree(target), await blobTree(source.dir))
  })

  it('refuses a directory that has files but is not a layout', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    await mkdir(dir)
    await writeFile(join(dir, 'README'), 'hi')
    await assert.rejects(
      LayoutWriter.open(dir),
      (error: Error) => error instanceof LayoutError && error.message.includes(dir) && /not an OCI layout/.test(error.message),
    )
  })
})

describe('writeLayout: into an existing layout', () => {
  it('merges index.json entries by ref name: same name replaced, new name added', async (t) => {
    const target = await fixture(t, 'image', { name: 'one' })
    const other = await readLayout(await fixture(t, 'index', { name: 'two' }))
    const before = await indexEntries(target)
    await writeLayout(target, [{ ref: selectEntry(other).ref, annotations: { [mt.REF_NAME_ANNOTATION]: 'v2' } }])
    let entries = await indexEntries(target)
    assert.deepEqual(
      entries.map((e) => e.annotations?.[mt.REF_NAME_ANNOTATION]),
      ['latest', 'v2'],
    )
    assert.deepEqual(entries[0], before[0])
    await writeLayout(target, [{ ref: selectEntry(other).ref, annotations: { [mt.REF_NAME_ANNOTATION]: 'latest' } }])
    entries = await indexEntries(target)
    assert.deepEqual(
      entries.map((e) => [e.annotations?.[mt.REF_NAME_ANNOTATION], e.digest]),
      [
        ['v2', selectEntry(other).ref.digest],
        ['latest', selectEntry(other).ref.digest],
      ],
    )
    const layout = await readLayout(target)
    assert.equal(selectEntry(layout, 'latest').ref.kind, 'index')
  })

  it('one write that replaces several tags replaces each of them once', async (t) => {
    const target = await fixture(t, 'referrer', { name: 'one' }) // tags "latest" and "sbom"
    const [, sbom] = await indexEntries(target)
    const [two, three] = await Promise.all(['two', 'three'].map(async (name) => selectEntry(await readLayout(await fixture(t, 'image', { name }))).ref))
    assert.ok(two && three && sbom)
    await writeLayout(target, [
      { ref: two, annotations: { [mt.REF_NAME_ANNOTATION]: 'latest' } },
      { ref: three, annotations: { [mt.REF_NAME_ANNOTATION]: 'sbom' } },
    ])
    assert.deepEqual(
      (await indexEntries(target)).map((e) => [e.annotations?.[mt.REF_NAME_ANNOTATION], e.digest]),
      [
        ['latest', two.digest],
        ['sbom', three.digest],
      ],
    )
  })

  it('merges unnamed entries by digest', async (t) => {
    const target = await fixture(t, 'image', { name: 'one' })
    const ref = selectEntry(await readLayout(await fixture(t, 'image', { name: 'two' }))).ref
    await writeLayout(target, [{ ref }])
    await writeLayout(target, [{ ref }])
    assert.equal((await indexEntries(target)).length, 2)
  })

  it('keeps unnamed entries of different digests, and a tag whose digest an unnamed entry repeats', async (t) => {
    const target = await fixture(t, 'image', { name: 'one' })
    const [tagged] = await indexEntries(target)
    const two = selectEntry(await readLayout(await fixture(t, 'image', { name: 'two' }))).ref
    const three = selectEntry(await readLayout(await fixture(t, 'image', { name: 'three' }))).ref
    await writeLayout(target, [{ ref: two }])
    await writeLayout(target, [{ ref: three }])
    await writeLayout(target, [{ ref: selectEntry(await readLayout(target), 'latest').ref }])
    assert.deepEqual(
      (await indexEntries(target)).map((e) => [e.annotations?.[mt.REF_NAME_ANNOTATION], e.digest]),
      [
        ['latest', tagged?.digest],
        [undefined, two.digest],
        [undefined, three.digest],
        [undefined, tagged?.digest],
      ],
    )
    // A new tag of an unnamed entry's digest is added beside it, not in its place.
    await writeLayout(target, [{ ref: two, annotations: { [mt.REF_NAME_ANNOTATION]: 'v2' } }])
    assert.deepEqual(
      (await indexEntries(target)).map((e) => e.annotations?.[mt.REF_NAME_ANNOTATION] ?? e.digest),
      ['latest', two.digest, three.digest, tagged?.digest, 'v2'],
    )
  })

  it('skips blobs the layout has already, and replaces one whose content is wrong', async (t) => {
    const source = await readLayout(await fixture(t, 'many-layers'))
    const target = (await makeTempDir('test-', t)).join('target')
    await writeLayout(target, entriesOf(source))
    const reused: boolean[] = []
    let bytes = 0
    await writeLayout(target, entriesOf(source), { onBlob: (_d, r) => void reused.push(r), onBytes: (n) => void (bytes += n) })
    assert.equal(reused.length, 21)
    assert.ok(reused.every((r) => r))
    assert.equal(bytes, 0)

    const image = selectEntry(source).ref
    assert.equal(image.kind, 'image')
    const layer = image.manifest.layers[3] as Descriptor
    const path = join(target, 'blobs', 'sha256', layer.digest.slice('sha256:'.length))
    await writeFile(path, Buffer.alloc(layer.size, 0x41))
    const rewritten: string[] = []
    await writeLayout(target, entriesOf(source), { onBlob: (d, r) => void (r || rewritten.push(d.digest)) })
    assert.deepEqual(rewritten, [layer.digest])
    assert.deepEqual(await blobTree(target), await blobTree(source.dir))
  })
})

/** Sources that hold back every blob until `total` blobs have been asked for: writers started together then commit together. */
function barrier(total: number): (source: ContentSource) => ContentSource {
  let asked = 0
  let open = (): void => {}
  const opened = new Promise<void>((resolve) => (open = resolve))
  return (source) => ({
    location: source.location,
    readManifest: (d) => source.readManifest(d),
    openBlob: async (d, signal) => {
      if (++asked === total) open()
      await opened
      return source.openBlob(d, signal)
    },
  })
}

describe('writeLayout: writers at once', () => {
  const WRITERS = 8

  for (const start of ['an existing layout', 'a new directory']) {
    it(`${WRITERS} writers of different tags into ${start}, committing together: every entry is kept`, async (t) => {
      const images = await Promise.all(
        Array.from({ length: WRITERS }, async (_, i) => selectEntry(await readLayout(await fixture(t, 'image', { name: `w${i}` }))).ref),
      )
      const target = start === 'a new directory' ? (await makeTempDir('test-', t)).join('target') : await fixture(t, 'image', { name: 'old' })
      const before = start === 'a new directory' ? [] : await indexEntries(target)
      const held = barrier(images.reduce((n, ref) => n + (ref.kind === 'image' ? ref.blobs.length : 0), 0))
      await Promise.all(
        images.map((ref, i) =>
          writeLayout(target, [{ ref: makeRef(ref.raw, ref.descriptor, held(ref.source)), annotations: { [mt.REF_NAME_ANNOTATION]: `t${i}` } }]),
        ),
      )
      const entries = await indexEntries(target)
      assert.deepEqual(
        entries.map((e) => e.annotations?.[mt.REF_NAME_ANNOTATION]).sort(),
        [...before.map((e) => e.annotations?.[mt.REF_NAME_ANNOTATION]), ...images.map((_, i) => `t${i}`)].sort(),
      )
      const layout = await readLayout(target)
      for (const [i, ref] of images.entries()) assert.equal(selectEntry(layout, `t${i}`).ref.digest, ref.digest)
      assert.deepEqual(
        (await siblings(target)).filter((name) => name.startsWith('.')),
        [],
        'no temporary directory is left',
      )
      assert.deepEqual(
        [...(await tree(target)).keys()].filter((p) => p.includes('tmp') || p.includes('lock')),
        [],
      )
    })
  }
})

describe('writeLayout: atomicity', () => {
  it('an abort mid-way leaves no new layout and no temporary files', async (t) => {
    const source = await readLayout(await fixture(t, 'large', { layerSize: 8 * 1024 * 1024, layerCount: 3 }))
    const target = (await makeTempDir('test-', t)).join('target')
    const controller = new AbortController()
    const write = writeLayout(target, entriesOf(source), { signal: controller.signal, onBytes: () => controller.abort() })
    await assert.rejects(write, { name: 'AbortError' })
    assert.deepEqual(await siblings(target), [])
  })

  it('an abort mid-way into an existing layout leaves index.json unchanged and no temporary files', async (t) => {
    const source = await readLayout(await fixture(t, 'large', { layerSize: 8 * 1024 * 1024, layerCount: 3, name: 'new' }))
    const target = await fixture(t, 'image', { name: 'old' })
    const before = await readFile(join(target, 'index.json'))
    const beforeFiles = await tree(target)
    const controller = new AbortController()
    let chunks = 0
    const write = writeLayout(target, entriesOf(source), { signal: controller.signal, onBytes: () => void (++chunks === 3 && controller.abort()) })
    await assert.rejects(write, { name: 'AbortError' })
    assert.deepEqual(await readFile(join(target, 'index.json')), before)
    const after = await tree(target)
    assert.deepEqual(
      [...after.keys()].filter((p) => p.includes('tmp')),
      [],
    )
    // Whatever blobs made it are complete and named by their digest: the old layout still reads the same.
    for (const [path, hash] of beforeFiles) assert.equal(after.get(path), hash)
    await readLayout(target)
  })

  it('an index.json that cannot be replaced fails the write naming it, and its temporary file is removed', async (t) => {
    const source = await readLayout(await fixture(t, 'image', { name: 'new' }))
    const target = await fixture(t, 'image', { name: 'old' })
    // A directory in index.json's place: rename(2) cannot replace it with the new index.json.
    await rm(join(target, 'index.json'))
    await mkdir(join(target, 'index.json', 'in-the-way'), { recursive: true })
    await assert.rejects(
      writeLayout(target, entriesOf(source)),
      (error: unknown) =>
        error instanceof LayoutError && error.message.startsWith(`cannot write index.json of the layout ${target} (`) && error.cause !== undefined,
    )
    assert.deepEqual(
      (await readdir(target)).filter((name) => name.includes('tmp')),
      [],
    )
  })

  it('a signal aborted before the write starts writes nothing', async (t) => {
    const source = await readLayout(await fixture(t, 'image'))
    const target = (await makeTempDir('test-', t)).join('target')
    await assert.rejects(writeLayout(target, entriesOf(source), { signal: AbortSignal.abort() }), { name: 'AbortError' })
    assert.deepEqual(await siblings(target), [])
  })

  it('a signal aborted before the write starts fails as aborted without looking at the target, even one it could not write to', async (t) => {
    const source = await readLayout(await fixture(t, 'image'))
    const target = join((await makeTempDir('test-', t)).path, 'target')
    await writeFile(target, 'not a directory')
    await assert.rejects(writeLayout(target, entriesOf(source), { signal: AbortSignal.abort() }), { name: 'AbortError' })
    assert.equal(await readFile(target, 'utf8'), 'not a directory')
  })

  it('an abort once every blob is in place, before index.json is written, still leaves no layout', async (t) => {
    const source = await readLayout(await fixture(t, 'many-layers'))
    const image = selectEntry(source).ref
    assert.equal(image.kind, 'image')
    const target = join((await makeTempDir('test-', t)).path, 'target')
    const controller = new AbortController()
    let placed = 0
    const write = writeLayout(target, entriesOf(source), {
      signal: controller.signal,
      onBlob: () => void (++placed === image.blobs.length && controller.abort()),
    })
    await assert.rejects(write, { name: 'AbortError' })
    assert.equal(placed, image.blobs.length)
    assert.deepEqual(await siblings(target), [])
  })

  it('a blob that fails stops the other blob downloads, so the write fails at once', { timeout: 60_000 }, async (t) => {
    const source = await readLayout(await fixture(t, 'image'))
    const image = selectEntry(source).ref
    assert.equal(image.kind, 'image')
    const [config, layer] = image.blobs
    const failure = new ContentMismatchError('the layer is corrupt')
    // The config never ends on its own: only the write's abort of its download ends it.
    const stalled: ContentSource = {
      location: image.source.location,
      readManifest: (d) => image.source.readManifest(d),
      openBlob: async (d) => {
        if (d.digest === config?.digest) return new Readable({ read: () => undefined })
        assert.equal(d.digest, layer?.digest)
        return new Readable({
          read: function () {
            this.destroy(failure)
          },
        })
      },
    }
    const target = join((await makeTempDir('test-', t)).path, 'target')
    await assert.rejects(writeLayout(target, [{ ref: makeRef(image.raw, image.descriptor, stalled) }]), (error) => error === failure)
    assert.deepEqual(await siblings(target), [])
  })

  it('a blob whose content does not match fails the write and leaves nothing', async (t) => {
    const dir = await fixture(t, 'many-layers')
    const source = await readLayout(dir)
    const image = selectEntry(source).ref
    assert.equal(image.kind, 'image')
    const layer = image.manifest.layers[7] as Descriptor
    await writeFile(join(dir, 'blobs', 'sha256', layer.digest.slice('sha256:'.length)), Buffer.alloc(layer.size))
    const target = (await makeTempDir('test-', t)).join('target')
    await assert.rejects(writeLayout(target, entriesOf(source)), (error: Error) => error.message.includes(layer.digest))
    assert.deepEqual(await siblings(target), [])
  })
})

describe('LayoutWriter: blob streams (each byte hashed once)', () => {
  const chunks = [Buffer.from('hello, '), Buffer.from('layout '), Buffer.from('writer')]
  const bytes = Buffer.concat(chunks)
  const descriptor = { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length }
  const sha512 = { digest: `sha512:${createHash('sha512').update(bytes).digest('hex')}`, size: bytes.length }

  async function open(t: TestContext): Promise<{ dir: string; writer: LayoutWriter }> {
    const dir = (await makeTempDir('test-', t)).join('layout')
    return { dir, writer: await LayoutWriter.open(dir) }
  }

  /** The blob files of a writer's work directory (temporary ones included), relative to blobs/. */
  async function blobFiles(dir: string): Promise<string[]> {
    const [work] = (await readdir(join(dir, '..'))).filter((name) => name.startsWith('.layout.tmp-'))
    const blobs = join(dir, '..', work as string, 'blobs')
    return (await readdir(blobs, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => relative(blobs, join(e.parentPath, e.name)))
      .sort()
  }

  it('writeStream without a descriptor names the blob by its sha256', async (t) => {
    const { dir, writer } = await open(t)
    assert.deepEqual(await writer.writeStream(Readable.from(chunks)), descriptor)
    assert.deepEqual(await blobFiles(dir), [join('sha256', descriptor.digest.slice('sha256:'.length))])
  })

  it('writeStream with a descriptor verifies it (sha512 too) and reports every byte', async (t) => {
    const { dir, writer } = await open(t)
    let reported = 0
    assert.deepEqual(await writer.writeStream(Readable.from(chunks), sha512, { onBytes: (n) => void (reported += n) }), sha512)
    assert.equal(reported, bytes.length)
    const wrong = Buffer.from(bytes).fill(0x41, 0, 1)
    await assert.rejects(
      writer.writeStream(Readable.from([wrong]), descriptor),
      (error: Error) => error instanceof ContentMismatchError && error.message.includes(descriptor.digest),
    )
    await assert.rejects(writer.writeStream(Readable.from([bytes, Buffer.from('!')]), descriptor), ContentMismatchError)
    assert.deepEqual(await blobFiles(dir), [join('sha512', sha512.digest.slice('sha512:'.length))])
  })

  it('writeVerifiedStream trusts the source for the digest but still checks the size, leaving nothing on failure', async (t) => {
    const { dir, writer } = await open(t)
    await writer.writeVerifiedStream(Readable.from(chunks), sha512)
    await assert.rejects(
      writer.writeVerifiedStream(Readable.from(chunks.slice(1)), descriptor),
      (error: Error) => error instanceof ContentMismatchError && error.message.includes(descriptor.digest) && /its source delivered/.test(error.message),
    )
    const failing = new Readable({
      read(): void {
        this.destroy(new ContentMismatchError('the source noticed'))
      },
    })
    // The source's own error passes as it is: it is not the layout's to name as a write failure.
    await assert.rejects(
      writer.writeVerifiedStream(failing, descriptor),
      (error) => error instanceof ContentMismatchError && error.message === 'the source noticed',
    )
    assert.deepEqual(await blobFiles(dir), [join('sha512', sha512.digest.slice('sha512:'.length))])
  })

  it('a blob that cannot be written fails naming it and where, and releases its source', async (t) => {
    const dir = await fixture(t, 'image')
    await writeFile(join(dir, 'blobs', 'sha512'), 'in the way') // a file where the blobs/sha512 directory goes
    const writer = await LayoutWriter.open(dir)
    const source = Readable.from(chunks)
    await assert.rejects(
      writer.writeStream(source, sha512),
      (error: unknown) => error instanceof LayoutError && error.message.startsWith(`cannot write blob ${sha512.digest} of the layout ${dir} (`),
    )
    assert.equal(source.destroyed, true, 'the source (a download) is not left open')
  })
})

describe('LayoutWriter.open: leftovers of writers that are gone', () => {
  /** An owned name under `prefix` of a process that has exited (a SIGKILLed writer). */
  async function goneName(prefix: string): Promise<string> {
    return ownedName(prefix).replace(`${prefix}${process.pid}-`, `${prefix}${await deadPid()}-`)
  }

  async function exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    )
  }

  it('removes what gone writers left in and beside a layout, and never files of a running writer', async (t) => {
    const dir = await fixture(t, 'image')
    const blobs = join(dir, 'blobs', 'sha256')
    const gone = [
      join(dir, await goneName('.index.json.tmp-')),
      join(dir, await goneName('.index.json.lock.tmp-')),
      join(dir, await goneName('.index.json.lock.break.tmp-')),
      join(blobs, await goneName('.tmp-')),
    ]
    const goneWork = join(dir, '..', await goneName('.layout.tmp-'))
    const kept = [
      join(dir, ownedName('.index.json.tmp-')),
      join(blobs, ownedName('.tmp-')),
      join(dir, '..', ownedName('.layout.tmp-')),
      join(blobs, await goneName('.index.json.tmp-')), // not a name writers use there
      join(dir, '..', await goneName('.other.tmp-')), // another layout's
    ]
    for (const file of [...gone, ...kept]) await writeFile(file, 'left')
    await mkdir(join(goneWork, 'blobs'), { recursive: true })
    await writeFile(join(goneWork, 'oci-layout'), '{}')
    await LayoutWriter.open(dir)
    for (const path of [...gone, goneWork]) assert.equal(await exists(path), false, path)
    for (const path of kept) assert.equal(await exists(path), true, path)
  })

  it('leaves the files of a directory that is not a layout alone, even those named like a writer file', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    await mkdir(dir)
    const file = join(dir, await goneName('.index.json.tmp-'))
    await writeFile(file, 'not ours')
    await assert.rejects(LayoutWriter.open(dir), LayoutError)
    assert.equal(await exists(file), true)
  })
})

describe('LayoutWriter.commit: a new layout whose directory appeared meanwhile', () => {
  it('moves the blobs written in full into a layout made meanwhile, never the temporary file of one still being written', async (t) => {
    const dir = join((await makeTempDir('test-', t)).path, 'layout')
    const writer = await LayoutWriter.open(dir)
    const written = await writer.writeBytes(Buffer.from('written in full'))
    const stalled = new Readable({ read: () => undefined })
    const writing = writer.writeStream(stalled)
    const [work] = (await siblings(dir)).filter((name) => name.startsWith('.layout.tmp-'))
    const blobs = join(dir, '..', work as string, 'blobs', 'sha256')
    // Bounded: the temporary file appears once the write stream has opened it.
    for (let i = 0; i < 10_000 && (await readdir(blobs)).length < 2; i++) await new Promise((resolve) => setImmediate(resolve))
    assert.equal((await readdir(blobs)).filter((name) => name.startsWith('.tmp-')).length, 1)
    await buildFixtureLayout(dir, { kind: 'image' }) // another writer's layout, renamed into place first
    await writer.commit([])
    stalled.destroy(new Error('the test ended the stream'))
    await assert.rejects(writing)
    const names = await readdir(join(dir, 'blobs', 'sha256'))
    assert.ok(names.includes(written.digest.slice('sha256:'.length)), 'the finished blob was moved in')
    assert.deepEqual(
      names.filter((name) => name.startsWith('.')),
      [],
    )
  })

  it('refuses a directory someone else made that is not a layout, and leaves it as it is', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    await mkdir(dir)
    await writeFile(join(dir, 'README'), 'not a layout')
    await assert.rejects(
      writer.commit([]),
      (error: unknown) => error instanceof LayoutError && error.message.includes(dir) && /created by someone else/.test(error.message),
    )
    await writer.abort()
    assert.deepEqual([...(await tree(dir)).keys()], ['README'])
    assert.deepEqual(await siblings(dir), ['layout'])
  })

  it('names the rename that failed when the path became a file', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    await writeFile(dir, 'a file')
    await assert.rejects(
      writer.commit([]),
      (error: unknown) => error instanceof LayoutError && error.message.includes(`the new layout ${dir} (renaming`) && error.cause !== undefined,
    )
    await writer.abort()
    assert.equal(await readFile(dir, 'utf8'), 'a file')
    assert.deepEqual(await siblings(dir), ['layout'])
  })
})
