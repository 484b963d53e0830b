/**
 * skopeo (containers/image) against our registry, started through the API:
 * `copy --all` into OCI layouts, `inspect` (raw and summarised, by tag and by
 * digest) and `list-tags`, every digest checked against the source layouts.
 *
 * Run: node_modules/.bin/node --test e2e/clients/skopeo.test.ts
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { haveTools } from '../tools/require-tool.ts'
import { createSkopeo, type Skopeo } from '../tools/skopeo.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { buildFixtures, byDigest, reference, tagsByRepository, type SourceImage } from './fixtures.ts'
import { layoutBlobFiles, readDirCopy, readPulledLayout, union } from './pulled.ts'
import { serveFixtures } from './server.ts'

test('skopeo pulls from our registry', async (t) => {
  if (!haveTools(t, 'skopeo')) return
  await using work = await makeTempDir('e2e-skopeo-')
  const fixtures = await buildFixtures(work.join('layouts'))
  await using server = await serveFixtures(fixtures)
  await using skopeo = await createSkopeo({ timeoutMs: 30_000 })
  const { host } = server
  const step = (name: string, body: () => Promise<void>): Promise<void> => t.test(name, () => server.explain(body))
  let copies = 0
  const outDir = (): string => work.join(`pulled-${copies++}`)

  /** skopeo copy --all REF into a fresh OCI layout; the layout holds exactly the source tree. */
  const copyAndCompare = async (fixture: SourceImage, ref: string): Promise<void> => {
    const out = outDir()
    await skopeo.pullToLayout(ref, out, 'pulled')
    const pulled = await readPulledLayout(out, 'pulled')
    assert.equal(pulled.digest, fixture.digest, `${ref}: the layout's entry`)
    assert.equal(pulled.mediaType, fixture.mediaType, `${ref}: the entry's media type`)
    assert.deepEqual(pulled.manifests, fixture.manifests, `${ref}: manifests and indexes`)
    assert.deepEqual(pulled.blobs, fixture.blobs, `${ref}: configs and layers`)
    assert.deepEqual(await layoutBlobFiles(out), union(fixture.manifests, fixture.blobs), `${ref}: files under blobs/`)
  }

  await step('copy --all: a single image, by each of its two tags and by digest', async () => {
    const { image } = fixtures
    for (const tag of image.tags) await copyAndCompare(image, reference(host, image, tag))
    await copyAndCompare(image, byDigest(host, image))
  })

  await step('copy --all: a multi-arch index, every platform', async () => {
    const { index } = fixtures
    assert.equal(index.images.length, 2)
    await copyAndCompare(index, reference(host, index))
    await copyAndCompare(index, byDigest(host, index))
  })

  await step('copy --all: a nested repository name, a rules_oci-shaped layout, a digest-only image', async () => {
    await copyAndCompare(fixtures.deep, reference(host, fixtures.deep))
    await copyAndCompare(fixtures.rulesOci, reference(host, fixtures.rulesOci))
    assert.deepEqual(fixtures.pinned.tags, [])
    await copyAndCompare(fixtures.pinned, byDigest(host, fixtures.pinned))
  })

  await step('copy: a Docker-typed image keeps its schema2 manifest and digest', async () => {
    const { docker } = fixtures
    assert.equal(docker.mediaType, 'application/vnd.docker.distribution.manifest.v2+json')
    // skopeo 1.9 only writes OCI manifests into an OCI layout, so --preserve-digests
    // would refuse; its dir: format stores the manifest as served.
    for (const ref of [reference(host, docker), byDigest(host, docker)]) {
      const out = outDir()
      await skopeo.copy(`docker://${ref}`, `dir:${out}`)
      const copy = await readDirCopy(out)
      assert.equal(copy.manifestDigest, docker.digest, `${ref}: manifest.json`)
      assert.deepEqual(copy.blobs, docker.blobs, `${ref}: config and layers`)
    }
  })

  await step('copy: every level of a nested index', async () => {
    const { nested } = fixtures
    const top = await skopeo.inspectRaw(reference(host, nested))
    assert.equal(top.digest, nested.digest)
    // skopeo 1.9 cannot copy an index whose child is an index ("Unexpectedly received
    // a manifest list instead of a manifest for a single image"), so each child is
    // copied by digest into one layout, which must then hold the whole tree.
    const children = (top.json as { manifests: Array<{ digest: string; mediaType: string }> }).manifests
    assert.ok(
      children.some((child) => child.mediaType === 'application/vnd.oci.image.index.v1+json'),
      'the fixture nests an index',
    )
    const out = outDir()
    for (const [i, child] of children.entries()) await skopeo.pullToLayout(byDigest(host, nested, child.digest), out, `child${i}`)
    const trees = await Promise.all(children.map((_, i) => readPulledLayout(out, `child${i}`)))
    assert.deepEqual(union(...trees.map((tree) => tree.manifests), [nested.digest]), nested.manifests)
    assert.deepEqual(union(...trees.map((tree) => tree.blobs)), nested.blobs)
    assert.deepEqual(
      await layoutBlobFiles(out),
      union(
        nested.manifests.filter((digest) => digest !== nested.digest),
        nested.blobs,
      ),
    )
  })

  await step('inspect --raw: the served bytes are the source bytes, by tag and by digest, at every level', async () => {
    for (const fixture of Object.values(fixtures)) {
      const refs = [...fixture.tags.map((tag) => reference(host, fixture, tag)), byDigest(host, fixture)]
      for (const ref of refs) await assertRaw(skopeo, ref, fixture, fixture.digest)
      for (const digest of fixture.manifests) await assertRaw(skopeo, byDigest(host, fixture, digest), fixture, digest)
    }
  })

  await step("inspect: the host platform's image, with the repository's tags", async () => {
    const tags = tagsByRepository(fixtures)
    const { image, index, docker, pinned } = fixtures
    for (const [fixture, ref] of [
      [image, reference(host, image, 'v1')],
      [image, reference(host, image, 'latest')],
      [index, reference(host, index)],
      [index, byDigest(host, index)],
      [docker, reference(host, docker)],
      [pinned, byDigest(host, pinned)],
    ] as const) {
      const inspected = await skopeo.inspect(ref)
      assert.equal(inspected.Digest, fixture.digest, `${ref}: Digest`)
      assert.equal(`${inspected.Os}/${inspected.Architecture}`, fixture.host.platform.split('/').slice(0, 2).join('/'), `${ref}: platform`)
      assert.deepEqual(inspected.Layers, fixture.host.layers, `${ref}: Layers`)
      assert.deepEqual([...inspected.RepoTags].sort(), tags.get(fixture.repository), `${ref}: RepoTags`)
    }
  })

  await step('list-tags: every repository, several tags in one, a nested name, none for digest-only', async () => {
    const expected = tagsByRepository(fixtures)
    assert.deepEqual(expected.get('app'), ['latest', 'multi', 'v1'])
    for (const [repository, tags] of expected) {
      assert.deepEqual(await skopeo.listTags(`${host}/${repository}`), tags, `tags of ${repository}`)
    }
  })

  await step('unknown names and digest-only tags are errors skopeo understands', async () => {
    await assert.rejects(skopeo.inspectRaw(`${host}/app:nope`), /manifest unknown/i)
    await assert.rejects(skopeo.inspectRaw(`${host}/pinned:latest`), /manifest unknown/i)
    await assert.rejects(skopeo.inspectRaw(`${host}/no/such/repo:latest`), /manifest unknown|name unknown|repository name not known/i)
    const absent = `sha256:${'0'.repeat(64)}`
    await assert.rejects(skopeo.inspectRaw(`${host}/app@${absent}`), /manifest unknown/i)
  })
})

async function assertRaw(skopeo: Skopeo, ref: string, fixture: SourceImage, digest: string): Promise<void> {
  const raw = await skopeo.inspectRaw(ref)
  assert.equal(raw.digest, digest, `${ref}: digest of the raw bytes`)
  assert.deepEqual(raw.bytes, fixture.raw.get(digest), `${ref}: raw bytes`)
}
