import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { computeDigest } from '../oci/digest.ts'
import * as mt from '../oci/media-types.ts'
import { type ContentSource, makeRef } from '../oci/ref.ts'
import type { Ref } from '../oci/ref.ts'
import { ConflictError, LayoutError, UsageError } from '../errors.ts'
import { type Placement, Registry } from './registry.ts'
import { entryRef, fixture } from '../../test/support/server.ts'

describe('Registry.addRef', () => {
  it('rejects invalid repository names and tags with a UsageError that says what is allowed', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const registry = new Registry()
    await assert.rejects(
      registry.addRef('Team/App', 'latest', ref),
      (e: unknown) => e instanceof UsageError && /"Team\/App" is not a valid repository name/.test(e.message) && /lowercase/.test(e.message),
    )
    await assert.rejects(
      registry.addRef('x'.repeat(256), 'latest', ref),
      (e: unknown) => e instanceof UsageError && /256 characters, the limit is 255/.test(e.message),
    )
    await assert.rejects(registry.addRef('app', '-bad', ref), (e: unknown) => e instanceof UsageError && /"-bad" is not a valid tag/.test(e.message))
    await assert.rejects(registry.addRef('app', 'a:b', ref), UsageError)
    assert.deepEqual(registry.repositories(), [])
  })

  it('refuses to retag to another digest (naming both), and treats the same digest as a no-op', async (t) => {
    const a = entryRef(await fixture(t, { kind: 'image', name: 'a' }))
    const b = entryRef(await fixture(t, { kind: 'image', name: 'b' }))
    const registry = new Registry()
    await registry.addRef('app', 'latest', a)
    await registry.addRef('app', 'latest', a)
    await assert.rejects(
      registry.addRef('app', 'latest', b),
      (e: unknown) => e instanceof ConflictError && e.message.includes(a.digest) && e.message.includes(b.digest) && e.message.includes('app:latest'),
    )
    const repo = registry.repository('app')
    assert.equal(repo?.tags.get('latest'), a.digest)
    // The conflicting call added nothing.
    assert.equal(repo?.manifests.has(b.digest), false)
    // Another tag or repository is fine.
    await registry.addRef('app', 'other', b)
    await registry.addRef('other', 'latest', b)
  })

  it('detects a conflict between concurrent addRef calls on one tag', async (t) => {
    const a = entryRef(await fixture(t, { kind: 'image', name: 'a' }))
    const b = entryRef(await fixture(t, { kind: 'image', name: 'b' }))
    const registry = new Registry()
    const results = await Promise.allSettled([registry.addRef('app', 'latest', a), registry.addRef('app', 'latest', b)])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
  })

  it('registers every manifest of an index tree and the blobs of every image, in that repository only', async (t) => {
    const nested = entryRef(await fixture(t, { kind: 'nested' }))
    const registry = new Registry()
    await registry.addRef('nested', 'latest', nested)
    const repo = registry.repository('nested')
    assert.ok(repo)
    assert.equal(repo.manifests.size, 5)
    for (const m of repo.manifests.values()) {
      if (m.kind === 'image') for (const d of m.blobs) assert.equal(repo.blobs.get(d.digest)?.kind, 'file')
    }
    assert.equal(repo.blobs.size, 6)
    assert.equal(registry.repository('other'), undefined)
  })

  it('refuses refs that were not read from an OCI layout', async () => {
    const config = Buffer.from('{}')
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: mt.OCI_MANIFEST,
        config: { mediaType: mt.OCI_CONFIG, digest: computeDigest(config), size: 2 },
        layers: [],
      }),
    )
    const source: ContentSource = {
      location: 'https://registry.example/v2/app',
      readManifest: () => Promise.reject(new Error('unused')),
      openBlob: () => Promise.resolve(Readable.from([config])),
    }
    const ref = makeRef(manifest, { mediaType: mt.OCI_MANIFEST, digest: computeDigest(manifest), size: manifest.length }, source)
    const registry = new Registry()
    await assert.rejects(
      registry.addRef('app', 'latest', ref),
      (e: unknown) =>
        e instanceof UsageError && e.message.includes('https://registry.example/v2/app') && /only refs read from an OCI image layout/.test(e.message),
    )
    assert.deepEqual(registry.repositories(), [])
  })

  it('lists repositories in ASCII order', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const registry = new Registry()
    for (const name of ['b', 'a/b', 'a', '0']) await registry.addRef(name, undefined, ref)
    assert.deepEqual(registry.repositories(), ['0', 'a', 'a/b', 'b'])
  })
})

describe('Registry.place', () => {
  function at(tag: string | undefined, ref: Ref, source: string, repository = 'app'): Placement {
    return { repository, tag, ref, layout: `/layouts/${source}`, source }
  }

  /** The registry's tags of `repository`, as "tag digest". */
  function tags(registry: Registry, repository = 'app'): string[] {
    const repo = registry.repository(repository)
    return repo === undefined ? [] : [...repo.tags].map(([tag, digest]) => `${tag} ${digest}`)
  }

  async function images(t: Parameters<typeof fixture>[0]): Promise<{ one: Ref; other: Ref }> {
    return { one: entryRef(await fixture(t, { kind: 'image', name: 'one' })), other: entryRef(await fixture(t, { kind: 'image', name: 'other' })) }
  }

  it('places every placement, digest-only ones too', async (t) => {
    const { one, other } = await images(t)
    const registry = new Registry()
    await registry.place([at('v1', one, 'a'), at(undefined, other, 'b')])
    assert.deepEqual(tags(registry), [`v1 ${one.digest}`])
    assert.ok(registry.repository('app')?.manifest(other.digest) !== undefined, 'the digest-only image is served')
  })

  it('refuses a batch that gives one tag two images, naming both sources, digests and layouts, and places none of it', async (t) => {
    const { one, other } = await images(t)
    const registry = new Registry()
    await assert.rejects(registry.place([at('v0', one, 'first'), at('v1', one, 'a'), at('v1', other, 'b')]), (error: Error) => {
      assert.ok(error instanceof ConflictError)
      assert.equal(
        error.message,
        `app:v1 is claimed by two images: a (${one.digest} in /layouts/a) and b (${other.digest} in /layouts/b). Use another tag, or another repository`,
      )
      return true
    })
    assert.equal(registry.repository('app'), undefined, 'nothing of the batch is served')
  })

  it('refuses a tag an earlier batch claimed for another image, and keeps the earlier one', async (t) => {
    const { one, other } = await images(t)
    const registry = new Registry()
    await registry.place([at('v1', one, 'manifest.prototxt:1')])
    await assert.rejects(registry.place([at('v1', other, '--image app:v1=other')]), {
      name: 'ConflictError',
      message: `app:v1 is claimed by two images: manifest.prototxt:1 (${one.digest} in /layouts/manifest.prototxt:1) and --image app:v1=other (${other.digest} in /layouts/--image app:v1=other). Use another tag, or another repository`,
    })
    assert.deepEqual(tags(registry), [`v1 ${one.digest}`])
  })

  it('names a direct addRef by what is known of it: its digest and layout', async (t) => {
    const { one, other } = await images(t)
    const registry = new Registry()
    await registry.addRef('app', 'v1', other)
    await assert.rejects(registry.place([at('v0', one, 'a'), at('v1', one, 'b')]), {
      name: 'ConflictError',
      message: `app:v1 is claimed by two images: ${other.digest} in ${other.source.location} and b (${one.digest} in /layouts/b). Use another tag, or another repository`,
    })
    assert.deepEqual(tags(registry), [`v1 ${other.digest}`], 'nothing of the batch is served')
  })

  it('accepts the same image for a tag twice, in one batch or two, and one image under many tags or repositories', async (t) => {
    const { one, other } = await images(t)
    const registry = new Registry()
    await registry.place([at('v1', one, 'a'), at('v1', one, 'b'), at('latest', one, 'c'), at('v1', other, 'd', 'other')])
    await registry.place([at('v1', one, 'e')])
    await registry.addRef('app', 'v1', one)
    assert.deepEqual(tags(registry).sort(), [`latest ${one.digest}`, `v1 ${one.digest}`])
    assert.deepEqual(tags(registry, 'other'), [`v1 ${other.digest}`])
  })

  it('never conflicts on digest-only placements', async (t) => {
    const { one, other } = await images(t)
    const registry = new Registry()
    await registry.place([at(undefined, one, 'a'), at(undefined, other, 'b'), at('', other, 'c')])
    assert.deepEqual(tags(registry), [])
  })

  it('claims nothing for a placement it refuses: the tag stays free for the next try', async (t) => {
    const { one, other } = await images(t)
    const index = entryRef(await fixture(t, { kind: 'index', name: 'index' }))
    // The index itself is fine, but none of its children can be read: the registry refuses it.
    const unreadable: ContentSource = {
      location: 'an unreadable source',
      readManifest: () => Promise.reject(new LayoutError('children unreadable')),
      openBlob: () => Promise.reject(new LayoutError('blobs unreadable')),
    }
    const broken = makeRef(index.raw, index.descriptor, unreadable)
    const registry = new Registry()
    await assert.rejects(registry.place([at('v0', one, 'a'), at('v1', broken, 'b')]), /children unreadable/)
    assert.equal(registry.repository('app'), undefined, 'nothing of the batch is served')
    await registry.place([at('v1', other, 'c')])
    assert.deepEqual(tags(registry), [`v1 ${other.digest}`])
  })
})
