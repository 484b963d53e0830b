// Reading layouts: every shape real tools write, the verification policy, and every kind of
// bad input (each error names the layout directory, the file or digest, and what is wrong).

import assert from 'node:assert/strict'
import { appendFile, mkdir, readFile, readdir, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import type { Descriptor } from './descriptor.ts'
import { computeDigest } from './digest.ts'
import { type Layout, readLayout, selectEntry } from './layout.ts'
import { LayoutWriter } from './layout-writer.ts'
import { MAX_MANIFEST_BYTES } from './manifest.ts'
import * as mt from './media-types.ts'
import { type Image, type Index, MAX_INDEX_DEPTH, type Ref, walkRefs } from './ref.ts'
import { ContentMismatchError, LocalRegistryError } from '../errors.ts'
import { type FixtureKind, type FixtureOptions, buildFixtureLayout } from '../testing/fixtures.ts'
import { writeBlob, writeImageLackingLayers, writeJsonBlob } from '../../test/support/layouts.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'

async function fixture(t: TestContext, kind: FixtureKind, options: Omit<FixtureOptions, 'kind'> = {}): Promise<string> {
  const dir = (await makeTempDir('test-', t)).join('layout')
  await buildFixtureLayout(dir, { kind, ...options })
  return dir
}

function only(layout: Layout): Ref {
  return selectEntry(layout).ref
}

function asImage(ref: Ref): Image {
  assert.equal(ref.kind, 'image')
  return ref
}

function asIndex(ref: Ref): Index {
  assert.equal(ref.kind, 'index')
  return ref
}

async function allRefs(layout: Layout): Promise<Ref[]> {
  const refs: Ref[] = []
  for (const entry of layout.entries) await walkRefs(entry.ref, (ref) => void refs.push(ref))
  return refs
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks)
}

function blobFile(dir: string, digest: string): string {
  const [algorithm, encoded] = digest.split(':') as [string, string]
  return join(dir, 'blobs', algorithm, encoded)
}

async function indexJson(dir: string): Promise<{ manifests: Descriptor[]; [key: string]: unknown }> {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'))
}

async function setIndexJson(dir: string, value: unknown): Promise<void> {
  await writeFile(join(dir, 'index.json'), JSON.stringify(value))
}

/** Asserts that loading fails with our error, and that its message names the layout and says what is wrong. */
async function assertLoadFails(dir: string, ...patterns: Array<RegExp | string>): Promise<void> {
  await assert.rejects(readLayout(dir), (error: unknown) => {
    assert.ok(error instanceof LocalRegistryError, `expected a LocalRegistryError, got ${String(error)}`)
    assert.ok(error.message.includes(dir), `error does not name the layout ${dir}: ${error.message}`)
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(error.message.includes(p), `error does not mention ${JSON.stringify(p)}: ${error.message}`)
      else assert.match(error.message, p)
    }
    return true
  })
}

/** A layout built by hand with LayoutWriter: one image whose blobs use `algorithm`. */
async function handBuiltImage(
  writer: LayoutWriter,
  algorithm: 'sha256' | 'sha512' = 'sha256',
  name = 'hand',
): Promise<{ manifest: Descriptor; config: Descriptor; layer: Descriptor }> {
  const layer = await writeBlob(writer, Buffer.from(`layer of ${name}`), mt.OCI_LAYER, algorithm)
  const config = await writeJsonBlob(
    writer,
    { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } },
    mt.OCI_CONFIG,
    algorithm,
  )
  const manifest = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: mt.OCI_MANIFEST, config, layers: [layer] }, mt.OCI_MANIFEST, algorithm)
  return { manifest, config, layer }
}

describe('readLayout: what real tools write', () => {
  it('reads a single image: manifest, config and layers, with digest, media type, raw bytes and size', async (t) => {
    const dir = await fixture(t, 'image')
    const layout = await readLayout(dir)
    assert.equal(layout.dir, dir)
    assert.equal(layout.entries.length, 1)
    assert.equal(layout.entries[0]?.refName, 'latest')
    const image = asImage(only(layout))
    assert.equal(image.mediaType, mt.OCI_MANIFEST)
    assert.equal(image.digest, layout.entries[0]?.descriptor.digest)
    assert.deepEqual(image.raw, await readFile(blobFile(dir, image.digest)))
    assert.equal(image.size, image.raw.length)
    assert.equal(image.digest, computeDigest(image.raw))
    assert.deepEqual(image.descriptor, { mediaType: mt.OCI_MANIFEST, digest: image.digest, size: image.size })
    assert.equal(image.manifest.config.mediaType, mt.OCI_CONFIG)
    assert.equal(image.manifest.layers.length, 1)
    assert.deepEqual(
      image.blobs.map((d) => d.digest),
      [image.manifest.config.digest, image.manifest.layers[0]?.digest],
    )
  })

  it('reads a multi-arch index and walks its children', async (t) => {
    const layout = await readLayout(await fixture(t, 'index'))
    const index = asIndex(only(layout))
    assert.equal(index.mediaType, mt.OCI_INDEX)
    assert.deepEqual(
      index.children.map((d) => d.platform?.architecture),
      ['amd64', 'arm64'],
    )
    const refs = await allRefs(layout)
    assert.deepEqual(
      refs.map((r) => r.kind),
      ['index', 'image', 'image'],
    )
  })

  it('reads nested indexes: index.json -> index -> index -> images', async (t) => {
    const layout = await readLayout(await fixture(t, 'nested'))
    const top = asIndex(only(layout))
    const inner = asIndex(await top.child(top.children[0] as Descriptor))
    assert.equal(inner.children.length, 2)
    const refs = await allRefs(layout)
    assert.deepEqual(
      refs.map((r) => r.kind),
      ['index', 'index', 'image', 'image', 'image'],
    )
  })

  it('reads Docker media types', async (t) => {
    const layout = await readLayout(await fixture(t, 'docker'))
    const image = asImage(only(layout))
    assert.equal(image.mediaType, mt.DOCKER_MANIFEST)
    assert.equal(image.manifest.config.mediaType, mt.DOCKER_CONFIG)
    assert.equal(image.manifest.layers[0]?.mediaType, mt.DOCKER_LAYER_GZIP)
  })

  it('reads a Docker manifest list nested in an OCI index', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    const { manifest } = await handBuiltImage(writer)
    const list = await writeJsonBlob(
      writer,
      { schemaVersion: 2, mediaType: mt.DOCKER_MANIFEST_LIST, manifests: [{ ...manifest, mediaType: mt.OCI_MANIFEST }] },
      mt.DOCKER_MANIFEST_LIST,
    )
    const index = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: mt.OCI_INDEX, manifests: [list] }, mt.OCI_INDEX)
    await writer.commit([index])
    const refs = await allRefs(await readLayout(dir))
    assert.deepEqual(
      refs.map((r) => r.mediaType),
      [mt.OCI_INDEX, mt.DOCKER_MANIFEST_LIST, mt.OCI_MANIFEST],
    )
  })

  it('reads the index.json rules_oci and skopeo write (no mediaType, no schemaVersion)', async (t) => {
    const dir = await fixture(t, 'rules-oci')
    const raw = await indexJson(dir)
    assert.equal(raw.mediaType, undefined)
    assert.equal(raw.schemaVersion, undefined)
    const layout = await readLayout(dir)
    assert.equal(only(layout).kind, 'image')
  })

  it('reads several entries, exposes their ref names and picks one by name', async (t) => {
    const layout = await readLayout(await fixture(t, 'referrer'))
    assert.deepEqual(
      layout.entries.map((e) => e.refName),
      ['latest', 'sbom'],
    )
    assert.equal(selectEntry(layout, 'sbom').ref.kind, 'image')
    assert.equal(asImage(selectEntry(layout, 'sbom').ref).manifest.artifactType, 'application/vnd.example.sbom.v1+json')
    assert.throws(() => selectEntry(layout), /has 2 entries; pick one by ref name \(latest, sbom\)/)
    assert.throws(
      () => selectEntry(layout, 'nope'),
      (error: Error) => error.message.includes(layout.dir) && /no entry named "nope" \(ref names: latest, sbom\)/.test(error.message),
    )
  })

  it('names only the entries that have a ref name when the one asked for is not there', async (t) => {
    const dir = await fixture(t, 'referrer')
    const index = await indexJson(dir)
    const [latest, sbom] = index.manifests
    assert.ok(latest && sbom)
    await setIndexJson(dir, { ...index, manifests: [latest, { ...sbom, annotations: undefined }] })
    const one = await readLayout(dir)
    assert.throws(() => selectEntry(one, 'nope'), /no entry named "nope" \(ref names: latest\)$/)
    await setIndexJson(dir, {
      ...index,
      manifests: [
        { ...latest, annotations: undefined },
        { ...sbom, annotations: undefined },
      ],
    })
    const none = await readLayout(dir)
    assert.throws(() => selectEntry(none, 'nope'), /no entry named "nope" \(ref names: none\)$/)
  })

  it('reads many layers', async (t) => {
    const layout = await readLayout(await fixture(t, 'many-layers'))
    assert.equal(asImage(only(layout)).manifest.layers.length, 20)
  })

  it('walks the tree once per digest', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    const { manifest } = await handBuiltImage(writer)
    const inner = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: mt.OCI_INDEX, manifests: [manifest, manifest] }, mt.OCI_INDEX)
    const outer = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: mt.OCI_INDEX, manifests: [inner, manifest] }, mt.OCI_INDEX)
    await writer.commit([outer])
    const refs: string[] = []
    await walkRefs(only(await readLayout(dir)), (ref) => void refs.push(ref.digest))
    assert.deepEqual(refs, [outer.digest, inner.digest, manifest.digest])
  })

  it('skips and reports entries and children with unknown media types, never failing on them', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    const { manifest } = await handBuiltImage(writer)
    const odd = await writeBlob(writer, Buffer.from('not a manifest'), 'application/vnd.example.thing')
    const missing = { mediaType: 'application/vnd.example.missing', digest: computeDigest(Buffer.from('absent')), size: 6 }
    const index = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: mt.OCI_INDEX, manifests: [manifest, odd] }, mt.OCI_INDEX)
    await writer.commit([index, missing])
    const layout = await readLayout(dir)
    assert.equal(layout.entries.length, 1)
    assert.deepEqual(layout.skipped.map((d) => d.mediaType).sort(), ['application/vnd.example.missing', 'application/vnd.example.thing'])
    assert.deepEqual(
      asIndex(only(layout)).skipped.map((d) => d.digest),
      [odd.digest],
    )
  })

  it('reads sha512 digests everywhere (hand-built layout)', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    const { manifest, layer } = await handBuiltImage(writer, 'sha512')
    await writer.commit([manifest])
    assert.match(manifest.digest, /^sha512:[0-9a-f]{128}$/)
    const layout = await readLayout(dir)
    const image = asImage(only(layout))
    assert.equal(image.digest, manifest.digest)
    assert.equal((await readAll(await layout.store.openBlob(layer))).toString(), 'layer of hand')
  })

  it('honours descriptors with embedded data that matches, without reading a file', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    const { manifest, layer } = await handBuiltImage(writer)
    await writer.commit([manifest])
    const bytes = await readFile(blobFile(dir, manifest.digest))
    const layerBytes = await readFile(blobFile(dir, layer.digest))
    // The manifest comes only from index.json's data field; the layer only from the manifest's.
    const manifestWithData = JSON.parse(bytes.toString())
    manifestWithData.layers[0].data = layerBytes.toString('base64')
    const newBytes = Buffer.from(JSON.stringify(manifestWithData))
    const entry = { mediaType: mt.OCI_MANIFEST, digest: computeDigest(newBytes), size: newBytes.length, data: newBytes.toString('base64') }
    await setIndexJson(dir, { schemaVersion: 2, manifests: [entry] })
    await rm(blobFile(dir, manifest.digest))
    await rm(blobFile(dir, layer.digest))
    const layout = await readLayout(dir)
    const image = asImage(only(layout))
    assert.deepEqual(image.raw, newBytes)
    assert.deepEqual(await readAll(await layout.store.openBlob(image.manifest.layers[0] as Descriptor)), layerBytes)
  })

  it('ignores embedded data that does not match and reads the blob instead', async (t) => {
    const dir = await fixture(t, 'image')
    const json = await indexJson(dir)
    const entry = json.manifests[0] as Descriptor
    await setIndexJson(dir, { ...json, manifests: [{ ...entry, data: Buffer.from('wrong').toString('base64') }] })
    assert.equal(only(await readLayout(dir)).digest, entry.digest)
    await rm(blobFile(dir, entry.digest))
    await assertLoadFails(dir, entry.digest, 'blob is missing')
  })

  it('reads an image whose non-distributable (or Docker foreign) layers the layout lacks, as image-layout.md allows', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    const types = [
      'application/vnd.oci.image.layer.nondistributable.v1.tar',
      'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
      'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
      'application/vnd.docker.image.rootfs.foreign.diff.tar',
      'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
    ]
    const { manifest, held, absent } = await writeImageLackingLayers(writer, types)
    await writer.commit([manifest])
    const layout = await readLayout(dir)
    assert.equal(only(layout).digest, manifest.digest)
    for (const d of absent) assert.equal(layout.store.lacksBlob(d.digest), true, d.mediaType)
    assert.equal(layout.store.lacksBlob(held.digest), false)
  })

  it('still refuses a missing layer of any other media type, also one another image lists as non-distributable', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    const { manifest } = await writeImageLackingLayers(writer, [mt.OCI_LAYER_GZIP])
    await writer.commit([manifest])
    await assertLoadFails(dir, 'blob is missing')
    const both = (await makeTempDir('test-', t)).join('layout')
    const writer2 = await LayoutWriter.open(both)
    const lacking = await writeImageLackingLayers(writer2, ['application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'])
    const needing = await writeImageLackingLayers(writer2, [mt.OCI_LAYER])
    assert.equal(lacking.absent[0]?.digest, needing.absent[0]?.digest)
    await writer2.commit([lacking.manifest, needing.manifest])
    await assertLoadFails(both, needing.absent[0]?.digest ?? '', 'blob is missing')
  })

  it('follows blobs that are symlinks out of the tree (rules_oci on Bazel 7.1+)', async (t) => {
    const dir = await fixture(t, 'index')
    const elsewhere = join(dir, '..', 'elsewhere')
    await rename(join(dir, 'blobs'), elsewhere)
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true })
    for (const name of await readdir(join(elsewhere, 'sha256'))) {
      await symlink(join(elsewhere, 'sha256', name), join(dir, 'blobs', 'sha256', name))
    }
    const layout = await readLayout(dir)
    const refs = await allRefs(layout)
    const image = asImage(refs[1] as Ref)
    const layer = image.manifest.layers[0] as Descriptor
    assert.equal((await readAll(await layout.store.openBlob(layer))).length, layer.size)
    await rm(join(elsewhere, 'sha256', layer.digest.slice('sha256:'.length)))
    await assertLoadFails(dir, layer.digest, 'blob is missing', /a symlink to ".*", which does not exist/)
  })
})

describe('readLayout: verification policy', () => {
  it('never reads layer bytes at load; openBlob verifies them and names the blob and file', async (t) => {
    const dir = await fixture(t, 'image', { layerSize: 256 * 1024 })
    const layer = asImage(only(await readLayout(dir))).manifest.layers[0] as Descriptor
    // Same size, different bytes: a load that read the layer would fail.
    await writeFile(blobFile(dir, layer.digest), Buffer.alloc(layer.size, 0x5a))
    const layout = await readLayout(dir)
    await assert.rejects(readAll(await layout.store.openBlob(layer)), (error: unknown) => {
      assert.ok(error instanceof ContentMismatchError)
      assert.ok(error.message.includes(layer.digest) && error.message.includes(blobFile(dir, layer.digest)), error.message)
      return true
    })
  })

  it('openBlob refuses at once, naming the blob, one removed or replaced by a directory since the load', async (t) => {
    const dir = await fixture(t, 'image')
    const layout = await readLayout(dir)
    const layer = asImage(only(layout)).manifest.layers[0] as Descriptor
    await rm(blobFile(dir, layer.digest))
    await assert.rejects(
      layout.store.openBlob(layer),
      (error: unknown) =>
        error instanceof LocalRegistryError && error.message.includes(blobFile(dir, layer.digest)) && /: blob is missing$/.test(error.message),
    )
    await mkdir(blobFile(dir, layer.digest))
    await assert.rejects(
      layout.store.openBlob(layer),
      (error: unknown) =>
        error instanceof LocalRegistryError && error.message.includes(blobFile(dir, layer.digest)) && /not a regular file/.test(error.message),
    )
  })

  it('fails a blob stream that is aborted mid-way instead of leaving its reader waiting', async (t) => {
    const dir = await fixture(t, 'image', { layerSize: 4 * 1024 * 1024 })
    const layout = await readLayout(dir)
    const layer = asImage(only(layout)).manifest.layers[0] as Descriptor
    const controller = new AbortController()
    const stream = await layout.store.openBlob(layer, controller.signal)
    let received = 0
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) {
          received += (chunk as Buffer).length
          controller.abort()
        }
      })(),
      { name: 'AbortError' },
    )
    assert.ok(received < layer.size)
  })

  it('never reads the config at load either', async (t) => {
    const dir = await fixture(t, 'image')
    const config = asImage(only(await readLayout(dir))).manifest.config
    await writeFile(blobFile(dir, config.digest), Buffer.alloc(config.size, 0x20))
    await readLayout(dir)
  })

  it('reads and verifies every manifest and index in the tree at load', async (t) => {
    const dir = await fixture(t, 'nested')
    const refs = await allRefs(await readLayout(dir))
    const deepest = refs[2] as Ref
    const raw = await readFile(blobFile(dir, deepest.digest))
    raw[raw.length - 2] ^= 1
    await writeFile(blobFile(dir, deepest.digest), raw)
    await assertLoadFails(dir, deepest.digest, 'content has digest')
  })
})

describe('readLayout: bad input', () => {
  it('a missing layout directory', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('nope')
    await assertLoadFails(dir, 'does not exist')
  })

  it('a layout path that is a file', async (t) => {
    const file = (await makeTempDir('test-', t)).join('file')
    await writeFile(file, 'not a layout')
    await assertLoadFails(file, `OCI layout ${file} is not a directory`)
  })

  it('an oci-layout that cannot be read says so', async (t) => {
    const dir = await fixture(t, 'image')
    await rm(join(dir, 'oci-layout'))
    await symlink('oci-layout', join(dir, 'oci-layout'))
    await assertLoadFails(dir, `${join(dir, 'oci-layout')} cannot be read: ELOOP`)
  })

  it('a missing oci-layout file', async (t) => {
    const dir = await fixture(t, 'image')
    await rm(join(dir, 'oci-layout'))
    await assertLoadFails(dir, join(dir, 'oci-layout'), 'is missing')
  })

  it('an oci-layout with the wrong version', async (t) => {
    const dir = await fixture(t, 'image')
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}')
    await assertLoadFails(dir, join(dir, 'oci-layout'), 'imageLayoutVersion "2.0.0" is not supported')
  })

  it('an oci-layout that is not JSON', async (t) => {
    const dir = await fixture(t, 'image')
    await writeFile(join(dir, 'oci-layout'), 'imageLayoutVersion: 1.0.0')
    await assertLoadFails(dir, join(dir, 'oci-layout'), 'is not valid JSON')
  })

  it('an oci-layout that is a directory', async (t) => {
    const dir = await fixture(t, 'image')
    await rm(join(dir, 'oci-layout'))
    await mkdir(join(dir, 'oci-layout'))
    await assertLoadFails(dir, new RegExp(`^${join(dir, 'oci-layout')}: not a regular file \\(a directory\\)$`))
  })

  it('a missing index.json', async (t) => {
    const dir = await fixture(t, 'image')
    await rm(join(dir, 'index.json'))
    await assertLoadFails(dir, join(dir, 'index.json'), 'is missing')
  })

  it('an index.json that is not JSON', async (t) => {
    const dir = await fixture(t, 'image')
    await appendFile(join(dir, 'index.json'), ',')
    await assertLoadFails(dir, join(dir, 'index.json'), 'is not valid JSON')
  })

  it('an index.json with no manifests', async (t) => {
    const dir = await fixture(t, 'image')
    await setIndexJson(dir, { schemaVersion: 2, manifests: [] })
    await assertLoadFails(dir, join(dir, 'index.json'), 'lists no manifests')
    await setIndexJson(dir, { schemaVersion: 2 })
    await assertLoadFails(dir, join(dir, 'index.json'), 'needs a "manifests" array')
  })

  it('an index.json whose entries are all of unknown media types', async (t) => {
    const dir = await fixture(t, 'image')
    const json = await indexJson(dir)
    await setIndexJson(dir, { manifests: json.manifests.map((d) => ({ ...d, mediaType: 'application/vnd.example.thing' })) })
    await assertLoadFails(dir, join(dir, 'index.json'), 'no manifest of a known media type')
  })

  it('an index.json with the wrong mediaType or schemaVersion', async (t) => {
    const dir = await fixture(t, 'image')
    const json = await indexJson(dir)
    await setIndexJson(dir, { ...json, mediaType: mt.OCI_MANIFEST })
    await assertLoadFails(dir, join(dir, 'index.json'), `mediaType "${mt.OCI_MANIFEST}" is not "${mt.OCI_INDEX}"`)
    await setIndexJson(dir, { ...json, schemaVersion: 1 })
    await assertLoadFails(dir, join(dir, 'index.json'), 'schemaVersion 1 is not supported')
  })

  it('an index.json over the 4 MiB limit', async (t) => {
    const dir = await fixture(t, 'image')
    const json = await indexJson(dir)
    await setIndexJson(dir, { ...json, annotations: { padding: 'x'.repeat(MAX_MANIFEST_BYTES) } })
    await assertLoadFails(dir, join(dir, 'index.json'), `over the ${MAX_MANIFEST_BYTES}-byte limit`)
  })

  describe('a manifest blob', () => {
    async function manifestOf(t: TestContext): Promise<{ dir: string; digest: string; path: string }> {
      const dir = await fixture(t, 'image')
      const digest = (await indexJson(dir)).manifests[0]?.digest as string
      return { dir, digest, path: blobFile(dir, digest) }
    }

    it('missing', async (t) => {
      const { dir, digest, path } = await manifestOf(t)
      await rm(path)
      await assertLoadFails(dir, digest, path, 'blob is missing')
    })

    it('too short', async (t) => {
      const { dir, digest, path } = await manifestOf(t)
      await truncate(path, 10)
      await assertLoadFails(dir, digest, path, /file is too short \(10 bytes, the descriptor says \d+\)/)
    })

    it('too long', async (t) => {
      const { dir, digest, path } = await manifestOf(t)
      await appendFile(path, ' ')
      await assertLoadFails(dir, digest, path, /file is too long/)
    })

    it('with the wrong digest', async (t) => {
      const { dir, digest, path } = await manifestOf(t)
      const raw = await readFile(path)
      await writeFile(
        path,
        Buffer.from(raw.toString().replace('"schemaVersion":2', '"schemaVersion":2 '))
          .subarray(0, raw.length - 1)
          .toString() + '}',
      )
      await assertLoadFails(dir, digest, /content has digest sha256:[0-9a-f]{64}, expected/)
    })

    it('that is a directory', async (t) => {
      const { dir, digest, path } = await manifestOf(t)
      await rm(path)
      await mkdir(path)
      await assertLoadFails(dir, digest, path, 'not a regular file')
    })

    it('whose mediaType contradicts its descriptor', async (t) => {
      const { dir, digest } = await manifestOf(t)
      const json = await indexJson(dir)
      await setIndexJson(dir, { ...json, manifests: [{ ...json.manifests[0], mediaType: mt.DOCKER_MANIFEST }] })
      await assertLoadFails(dir, digest, `its mediaType "${mt.OCI_MANIFEST}" contradicts the descriptor's "${mt.DOCKER_MANIFEST}"`)
    })

    it('described as an index but holding an image manifest (without a mediaType)', async (t) => {
      const dir = (await makeTempDir('test-', t)).join('layout')
      const writer = await LayoutWriter.open(dir)
      const { config, layer } = await handBuiltImage(writer)
      const manifest = await writeJsonBlob(writer, { schemaVersion: 2, config, layers: [layer] }, mt.OCI_INDEX)
      await writer.commit([manifest])
      await assertLoadFails(dir, manifest.digest, 'the descriptor says index, but the content is an image manifest')
    })

    it(`over the ${MAX_MANIFEST_BYTES}-byte (4 MiB) limit`, async (t) => {
      const dir = (await makeTempDir('test-', t)).join('layout')
      const writer = await LayoutWriter.open(dir)
      const { config, layer } = await handBuiltImage(writer)
      const manifest = await writeJsonBlob(
        writer,
        { schemaVersion: 2, mediaType: mt.OCI_MANIFEST, config, layers: [layer], annotations: { padding: 'x'.repeat(MAX_MANIFEST_BYTES) } },
        mt.OCI_MANIFEST,
      )
      await writer.commit([manifest])
      await assertLoadFails(dir, manifest.digest, `over the ${MAX_MANIFEST_BYTES}-byte limit for manifests`)
    })

    it('whose descriptor claims more than the limit, rejected before the file is read', async (t) => {
      const { dir, digest } = await manifestOf(t)
      const json = await indexJson(dir)
      await setIndexJson(dir, { ...json, manifests: [{ ...json.manifests[0], size: MAX_MANIFEST_BYTES + 1 }] })
      await assertLoadFails(dir, digest, `the descriptor says ${MAX_MANIFEST_BYTES + 1} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`)
    })
  })

  describe('a layer or config blob', () => {
    async function layerOf(t: TestContext): Promise<{ dir: string; layer: Descriptor; config: Descriptor }> {
      const dir = await fixture(t, 'image')
      const image = asImage(only(await readLayout(dir)))
      return { dir, layer: image.manifest.layers[0] as Descriptor, config: image.manifest.config }
    }

    it('missing', async (t) => {
      const { dir, layer, config } = await layerOf(t)
      const layerBytes = await readFile(blobFile(dir, layer.digest))
      await rm(blobFile(dir, layer.digest))
      await assertLoadFails(dir, layer.digest, blobFile(dir, layer.digest), 'blob is missing')
      await writeFile(blobFile(dir, layer.digest), layerBytes)
      await rm(blobFile(dir, config.digest))
      await assertLoadFails(dir, config.digest, 'blob is missing')
    })

    it('with the wrong size', async (t) => {
      const { dir, layer } = await layerOf(t)
      await appendFile(blobFile(dir, layer.digest), 'x')
      await assertLoadFails(dir, layer.digest, blobFile(dir, layer.digest), `file has ${layer.size + 1} bytes, the descriptor says ${layer.size}`)
    })
  })

  describe('a bad digest string', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['malformed', 'sha256:XYZ', /invalid sha256 digest "sha256:XYZ"/],
      ['unsupported algorithm', `md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
      ['wrong length', `sha512:${'a'.repeat(64)}`, /128 lowercase hex digits/],
      ['path traversal', 'sha256:../../etc/passwd', /invalid digest/],
    ]
    for (const [name, digest, message] of cases) {
      it(`in index.json: ${name}`, async (t) => {
        const dir = await fixture(t, 'image')
        const json = await indexJson(dir)
        await setIndexJson(dir, { ...json, manifests: [{ ...json.manifests[0], digest }] })
        await assertLoadFails(dir, join(dir, 'index.json'), 'manifests[0]', message)
      })
    }

    it('in a manifest layer', async (t) => {
      const dir = (await makeTempDir('test-', t)).join('layout')
      const writer = await LayoutWriter.open(dir)
      const { config } = await handBuiltImage(writer)
      const manifest = await writeJsonBlob(
        writer,
        { schemaVersion: 2, mediaType: mt.OCI_MANIFEST, config, layers: [{ mediaType: mt.OCI_LAYER, digest: 'sha256:abc', size: 3 }] },
        mt.OCI_MANIFEST,
      )
      await writer.commit([manifest])
      await assertLoadFails(dir, manifest.digest, 'layers[0]', /invalid sha256 digest "sha256:abc"/)
    })
  })

  it(`indexes nested deeper than ${MAX_INDEX_DEPTH}`, async (t) => {
    const dir = (await makeTempDir('test-', t)).join('layout')
    const writer = await LayoutWriter.open(dir)
    let child = (await handBuiltImage(writer)).manifest
    for (let i = 0; i < 10; i++) child = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: mt.OCI_INDEX, manifests: [child] }, mt.OCI_INDEX)
    await writer.commit([child])
    await assertLoadFails(dir, `indexes nested more than ${MAX_INDEX_DEPTH} deep`, child.digest)
  })

  it('loads nothing half: one broken entry fails the whole layout', async (t) => {
    const dir = await fixture(t, 'referrer')
    const sbom = (await indexJson(dir)).manifests[1] as Descriptor
    await rm(blobFile(dir, sbom.digest))
    await assertLoadFails(dir, sbom.digest, 'blob is missing')
  })
})
