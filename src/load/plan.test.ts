// planImages: which entry of a layout each request serves, under which tag, and what it refuses
// with which message; LayoutCache: one read per real directory.

import assert from 'node:assert/strict'
import { readFile, symlink, writeFile } from 'node:fs/promises'
import { describe, it, type TestContext } from 'node:test'
import { LayoutError } from '../errors.ts'
import { REF_NAME_ANNOTATION } from '../oci/media-types.ts'
import { buildFixtureLayout } from '../testing/index.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import type { Placement } from '../content/registry.ts'
import { type ImageRequest, LayoutCache, planImages, tagFromRefName } from './plan.ts'

/** A layout with one image entry per ref name (`undefined`: an entry without one), and their digests in order. */
async function layoutWith(t: TestContext, refNames: ReadonlyArray<string | undefined>): Promise<{ dir: string; digests: string[] }> {
  const dir = (await makeTempDir('test-', t)).join('layout')
  const digests: string[] = []
  for (const [i, refName] of refNames.entries()) {
    digests.push((await buildFixtureLayout(dir, { kind: 'image', name: `entry-${i}`, refName: refName ?? `unnamed-${i}` })).digest)
  }
  const indexPath = `${dir}/index.json`
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> }
  for (const entry of index.manifests) {
    if (entry.annotations?.[REF_NAME_ANNOTATION]?.startsWith('unnamed-')) delete entry.annotations
  }
  await writeFile(indexPath, JSON.stringify(index))
  return { dir, digests }
}

function request(layout: string, tag: string | undefined, refName?: string): ImageRequest {
  return { repository: 'app', tag, layout, refName, source: '--image app=layout' }
}

/** Each placement as "tag digest" (tag "-" when digest-only), in order. */
const served = (placements: readonly Placement[]): string[] => placements.map((p) => `${p.tag ?? '-'} ${p.ref.digest}`)

async function plan(...requests: ImageRequest[]): Promise<Placement[]> {
  return planImages(requests, new LayoutCache())
}

describe('tagFromRefName', () => {
  it('takes a ref name that is a tag as it is, and the tag of a full reference', () => {
    assert.equal(tagFromRefName('v1.2'), 'v1.2')
    assert.equal(tagFromRefName('docker.io/library/app:1.0'), '1.0')
    assert.equal(tagFromRefName('localhost:5000/app:v2'), 'v2')
  })

  it('finds no tag in a reference without one, with a digest, or whose tag is not a valid tag', () => {
    assert.equal(tagFromRefName('localhost:5000/app'), undefined)
    assert.equal(tagFromRefName('app@sha256:' + 'a'.repeat(64)), undefined)
    assert.equal(tagFromRefName('app:not a tag'), undefined)
    assert.equal(tagFromRefName('registry/app'), undefined)
  })
})

describe('planImages', () => {
  it('serves the one entry of a layout under the tag asked for, whatever its ref name', async (t) => {
    const { dir, digests } = await layoutWith(t, ['v1'])
    const placements = await plan(request(dir, 'other'))
    assert.deepEqual(served(placements), [`other ${digests[0]}`])
    assert.equal(placements[0]?.repository, 'app')
    assert.equal(placements[0]?.source, '--image app=layout')
  })

  it('with a tag, picks from several entries the one whose ref name is that tag, or a full reference with that tag', async (t) => {
    const { dir, digests } = await layoutWith(t, ['v1', 'docker.io/library/app:v2', undefined])
    assert.deepEqual(served(await plan(request(dir, 'v1'))), [`v1 ${digests[0]}`])
    assert.deepEqual(served(await plan(request(dir, 'v2'))), [`v2 ${digests[1]}`])
  })

  it('with no tag, serves each entry under its ref name, and an entry without one by digest only', async (t) => {
    const { dir, digests } = await layoutWith(t, ['v1', 'docker.io/library/app:1.0', undefined])
    assert.deepEqual(served(await plan(request(dir, undefined))), [`v1 ${digests[0]}`, `1.0 ${digests[1]}`, `- ${digests[2]}`])
  })

  it('with the empty tag, serves every entry by digest only', async (t) => {
    const { dir, digests } = await layoutWith(t, ['v1', 'v2'])
    assert.deepEqual(served(await plan(request(dir, ''))), [`- ${digests[0]}`, `- ${digests[1]}`])
  })

  it('with a ref name, serves that entry only: under its ref name, the tag given, or by digest only', async (t) => {
    const { dir, digests } = await layoutWith(t, ['v1', 'docker.io/library/app:1.0'])
    assert.deepEqual(served(await plan(request(dir, undefined, 'docker.io/library/app:1.0'))), [`1.0 ${digests[1]}`])
    assert.deepEqual(served(await plan(request(dir, 'stable', 'v1'))), [`stable ${digests[0]}`])
    assert.deepEqual(served(await plan(request(dir, '', 'v1'))), [`- ${digests[0]}`])
  })

  it('keeps the order of the requests', async (t) => {
    const a = await layoutWith(t, ['a'])
    const b = await layoutWith(t, ['b'])
    assert.deepEqual(served(await plan(request(b.dir, 'x'), request(a.dir, 'y'))), [`x ${b.digests[0]}`, `y ${a.digests[0]}`])
  })

  it('refuses a tag that matches none of several entries, naming the source, the layout and the ref names there are', async (t) => {
    const { dir } = await layoutWith(t, ['v1', 'v2'])
    await assert.rejects(plan(request(dir, 'v3')), (error: Error) => {
      assert.ok(error instanceof LayoutError)
      assert.equal(
        error.message,
        `--image app=layout: OCI layout ${dir} has 2 index.json entries and none with ref name "v3" (ref names: "v1", "v2"); ` +
          'name the entry with its ref name, or give no tag to serve every entry under its ref name',
      )
      return true
    })
  })

  it('refuses a tag that two entries stand for', async (t) => {
    const { dir } = await layoutWith(t, ['v1', 'docker.io/library/app:v1'])
    await assert.rejects(plan(request(dir, 'v1')), (error: Error) => {
      assert.ok(error instanceof LayoutError)
      assert.match(error.message, /has 2 index\.json entries and 2 with ref name "v1" \(ref names: "v1", "docker\.io\/library\/app:v1"\)/)
      return true
    })
  })

  it('refuses a ref name no entry has, listing the ones there are (or none)', async (t) => {
    const { dir } = await layoutWith(t, ['v1'])
    await assert.rejects(plan(request(dir, undefined, 'v9')), {
      name: 'LayoutError',
      message: `--image app=layout: OCI layout ${dir} has no entry named "v9" (ref names: v1)`,
    })
    const unnamed = await layoutWith(t, [undefined])
    await assert.rejects(plan(request(unnamed.dir, 'x', 'v1')), { message: /\(ref names: none\)$/ })
  })

  it('refuses, with no tag, a ref name that gives no tag, and asks for a tag', async (t) => {
    const { dir, digests } = await layoutWith(t, ['localhost:5000/app'])
    await assert.rejects(plan(request(dir, undefined)), {
      name: 'LayoutError',
      message: `--image app=layout: OCI layout ${dir}: ref name "localhost:5000/app" of ${digests[0]} is not usable as a tag; give a tag explicitly`,
    })
    assert.deepEqual(served(await plan(request(dir, 'v1'))), [`v1 ${digests[0]}`], 'a tag given serves it')
  })

  it('fails on the first bad request, naming its source once, whatever was planned before it', async (t) => {
    const good = await layoutWith(t, ['v1'])
    const missing = (await makeTempDir('test-', t)).join('nope')
    const bad = { ...request(missing, 'v1'), source: '/m.prototxt:3' }
    await assert.rejects(plan(request(good.dir, 'v1'), bad, request(missing, 'v2')), (error: Error) => {
      assert.ok(error instanceof LayoutError)
      assert.ok(error.message.startsWith('/m.prototxt:3: '), error.message)
      assert.ok(!error.message.slice(1).includes('/m.prototxt:3'), 'the source is named once')
      assert.ok(error.message.includes(missing), error.message)
      return true
    })
  })
})

describe('LayoutCache', () => {
  it('reads a directory once, however it is named (relative, through a symlink)', async (t) => {
    const { dir } = await layoutWith(t, ['v1'])
    const link = `${dir}-link`
    await symlink(dir, link)
    const cache = new LayoutCache()
    const first = await cache.get(dir)
    assert.equal(await cache.get(link), first)
    assert.equal(await cache.get(`${dir}/../layout`), first)
  })

  it('does not keep a failed read: the directory fixed, the next ask reads it', async (t) => {
    const root = await makeTempDir('test-', t)
    const cache = new LayoutCache()
    await assert.rejects(cache.get(root.join('layout')), LayoutError)
    const { digest } = await buildFixtureLayout(root.join('layout'), { kind: 'image' })
    assert.equal((await cache.get(root.join('layout'))).entries[0]?.ref.digest, digest)
  })
})
