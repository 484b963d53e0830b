import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { computeDigest } from '../oci/digest.ts'
import * as mt from '../oci/media-types.ts'
import { type ContentSource, makeRef } from '../oci/ref.ts'
import { ConflictError, UsageError } from '../errors.ts'
import { Registry } from './registry.ts'
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
