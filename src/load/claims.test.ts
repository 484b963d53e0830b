// TagClaims: each repository:tag served by one image; a conflicting batch changes nothing, and a
// placement the registry refuses claims nothing.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ConflictError } from '../errors.ts'
// The public export: the Registry's module is an implementation detail of the server.
import { Registry } from '../index.ts'
import { readLayout } from '../oci/layout.ts'
import type { Ref } from '../oci/ref.ts'
import { buildFixtureLayout } from '../testing/index.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import type { Placement } from './plan.ts'
import { TagClaims } from './claims.ts'

let one: Ref
let other: Ref

before(async () => {
  const dir = await makeTempDir('test-')
  after(() => dir.remove())
  one = await refOf(dir.join('one'), 'one')
  other = await refOf(dir.join('other'), 'other')
})

async function refOf(dir: string, name: string): Promise<Ref> {
  await buildFixtureLayout(dir, { kind: 'image', name })
  const [entry] = (await readLayout(dir)).entries
  assert.ok(entry !== undefined)
  return entry.ref
}

function at(tag: string | undefined, ref: Ref, source: string, repository = 'app'): Placement {
  return { repository, tag, ref, layout: `/layouts/${source}`, source }
}

/** The registry's tags of `repository`, as "tag digest". */
function tags(registry: Registry, repository = 'app'): string[] {
  const repo = registry.repository(repository)
  return repo === undefined ? [] : [...repo.tags].map(([tag, digest]) => `${tag} ${digest}`)
}

describe('TagClaims', () => {
  it('places every placement, digest-only ones too', async () => {
    const registry = new Registry()
    await new TagClaims(registry).place([at('v1', one, 'a'), at(undefined, other, 'b')])
    assert.deepEqual(tags(registry), [`v1 ${one.digest}`])
    assert.ok(registry.repository('app')?.manifest(other.digest) !== undefined, 'the digest-only image is served')
  })

  it('refuses a batch that gives one tag two images, naming both sources, digests and layouts, and places none of it', async () => {
    const registry = new Registry()
    const claims = new TagClaims(registry)
    await assert.rejects(claims.place([at('v0', one, 'first'), at('v1', one, 'a'), at('v1', other, 'b')]), (error: Error) => {
      assert.ok(error instanceof ConflictError)
      assert.equal(error.message, `app:v1 is claimed by two images: a (${one.digest} in /layouts/a) and b (${other.digest} in /layouts/b)`)
      return true
    })
    assert.equal(registry.repository('app'), undefined, 'nothing of the batch is served')
  })

  it('refuses a tag an earlier batch claimed for another image, and keeps the earlier one', async () => {
    const registry = new Registry()
    const claims = new TagClaims(registry)
    await claims.place([at('v1', one, 'manifest.prototxt:1')])
    await assert.rejects(claims.place([at('v1', other, '--image app:v1=other')]), {
      name: 'ConflictError',
      message: `app:v1 is claimed by two images: manifest.prototxt:1 (${one.digest} in /layouts/manifest.prototxt:1) and --image app:v1=other (${other.digest} in /layouts/--image app:v1=other)`,
    })
    assert.deepEqual(tags(registry), [`v1 ${one.digest}`])
  })

  it('accepts the same image for a tag twice, in one batch or two, and one image under many tags or repositories', async () => {
    const registry = new Registry()
    const claims = new TagClaims(registry)
    await claims.place([at('v1', one, 'a'), at('v1', one, 'b'), at('latest', one, 'c'), at('v1', other, 'd', 'other')])
    await claims.place([at('v1', one, 'e')])
    assert.deepEqual(tags(registry).sort(), [`latest ${one.digest}`, `v1 ${one.digest}`])
    assert.deepEqual(tags(registry, 'other'), [`v1 ${other.digest}`])
  })

  it('never conflicts on digest-only placements', async () => {
    const registry = new Registry()
    await new TagClaims(registry).place([at(undefined, one, 'a'), at(undefined, other, 'b')])
    assert.deepEqual(tags(registry), [])
  })

  it('claims nothing for a placement the registry refuses: the tag stays free for the next try', async () => {
    const registry = new Registry()
    await registry.addRef('app', 'v1', other) // served by someone else than these claims
    const claims = new TagClaims(registry)
    await assert.rejects(claims.place([at('v0', one, 'a'), at('v1', one, 'b')]), ConflictError)
    assert.deepEqual(tags(registry).sort(), [`v0 ${one.digest}`, `v1 ${other.digest}`], 'placements before the refused one stay served')
    await claims.place([at('v1', other, 'c')])
    assert.deepEqual(tags(registry).sort(), [`v0 ${one.digest}`, `v1 ${other.digest}`])
  })
})
