/**
 * Proves the tool modules work on this machine: the reference registry serves
 * a tiny image and a two-platform index pushed by skopeo, and skopeo, ctr and
 * podman all pull them and agree on the manifest digests.
 *
 * Run: node_modules/.bin/node --test e2e/tools/tools.test.ts
 */
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { test } from 'node:test'
import { buildFixtureLayout } from '../../src/testing/index.ts'
import { startContainerd } from './containerd.ts'
import { startDistribution } from './distribution.ts'
import { run } from './exec.ts'
import { createPodman } from './podman.ts'
import { haveRoot, haveTools, toolPath } from './require-tool.ts'
import { createSkopeo } from './skopeo.ts'
import { makeTempDir, mountPointsUnder } from '../../test/support/temp-dir.ts'

const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json'

interface Fixture {
  /** OCI layout holding a single-platform linux/amd64 image under `imageTag`. */
  imageLayout: string
  imageTag: string
  imageDigest: string
  imageConfigDigest: string
  /** OCI layout holding an index of linux/amd64 and linux/arm64 under `indexTag`. */
  indexLayout: string
  indexTag: string
  indexDigest: string
  indexAmd64Digest: string
  indexAmd64ConfigDigest: string
  /** The linux/arm64 manifest in the index. */
  armDigest: string
}

test('registry clients agree on digests served by the reference registry', async (t) => {
  if (!haveTools(t, 'docker-registry', 'skopeo')) return
  await using work = await makeTempDir('tools-test-')
  const fixture = await timed(t, 'build fixtures', () => makeFixture(work.path))
  await using registry = await timed(t, 'start docker-registry', () => startDistribution())
  await using skopeo = await createSkopeo()
  const imageRef = `${registry.host}/demo/app:${fixture.imageTag}`
  const indexRef = `${registry.host}/demo/app:${fixture.indexTag}`
  await timed(t, 'skopeo push image', () => skopeo.pushLayout(fixture.imageLayout, fixture.imageTag, imageRef))
  await timed(t, 'skopeo push index', () => skopeo.pushLayout(fixture.indexLayout, fixture.indexTag, indexRef))

  await t.test('skopeo inspect --raw returns the pushed bytes', async () => {
    const image = await skopeo.inspectRaw(imageRef)
    assert.equal(image.digest, fixture.imageDigest)
    const index = await skopeo.inspectRaw(indexRef)
    assert.equal(index.digest, fixture.indexDigest)
    assert.equal(index.mediaType, INDEX_MEDIA_TYPE)
    const byDigest = await skopeo.inspectRaw(`${registry.host}/demo/app@${fixture.indexDigest}`)
    assert.deepEqual(byDigest.bytes, index.bytes)
  })

  await t.test('skopeo inspect resolves the index to the host platform', async () => {
    const inspected = await skopeo.inspect(indexRef)
    assert.equal(inspected.Digest, fixture.indexDigest)
    assert.equal(inspected.Os, 'linux')
    assert.deepEqual(inspected.RepoTags.toSorted(), [fixture.imageTag, fixture.indexTag].toSorted())
  })

  await t.test('skopeo list-tags', async () => {
    const tags = await skopeo.listTags(`${registry.host}/demo/app`)
    assert.deepEqual(tags.toSorted(), [fixture.imageTag, fixture.indexTag].toSorted())
  })

  await t.test('skopeo copy --all pulls the index back into an OCI layout', async (t) => {
    const out = work.join('pulled')
    await timed(t, 'skopeo pull index', () => skopeo.pullToLayout(indexRef, out, 'copy'))
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> }
    const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'copy')
    assert.equal(entry?.digest, fixture.indexDigest)
    // --all copied both platforms' manifests.
    const blob = await readFile(join(out, 'blobs', ...fixture.indexDigest.split(':')))
    const children = (JSON.parse(blob.toString('utf8')) as { manifests: Array<{ digest: string }> }).manifests
    for (const child of children) await readFile(join(out, 'blobs', ...child.digest.split(':')))
  })

  await t.test('ctr pull (plain HTTP, one platform and all platforms)', async (t) => {
    if (!haveTools(t, 'containerd', 'ctr') || !haveRoot(t, 'containerd')) return
    await using ctrd = await timed(t, 'start containerd', () => startContainerd())
    assert.equal(await timed(t, 'ctr pull image', () => ctrd.pull(imageRef)), fixture.imageDigest)
    assert.equal(await timed(t, 'ctr pull index', () => ctrd.pull(indexRef)), fixture.indexDigest)
    assert.ok(!(await ctrd.contentDigests()).includes(fixture.armDigest), 'without --all-platforms only the host platform is fetched')
    const all = `${registry.host}/demo/app@${fixture.indexDigest}`
    assert.equal(await timed(t, 'ctr pull --all-platforms', () => ctrd.pull(all, { allPlatforms: true })), fixture.indexDigest)
    assert.ok((await ctrd.contentDigests()).includes(fixture.armDigest), '--all-platforms fetched linux/arm64')
    const status = await ctrd.image(all)
    assert.equal(status?.unpacked, true)
    assert.match(status?.status ?? '', /^complete/)
    await ctrd.removeImage(imageRef)
    assert.equal(await ctrd.image(imageRef), undefined)
  })

  await t.test('podman pull', async (t) => {
    if (!haveTools(t, 'podman') || !haveRoot(t, 'podman overlay storage')) return
    await using podman = await createPodman()
    // A fresh store: .Digest is the digest of the first pull, here the index.
    const fromIndex = await timed(t, 'podman pull index', () => podman.pull(indexRef))
    assert.equal(fromIndex.digest, fixture.indexDigest)
    assert.equal(`sha256:${fromIndex.id}`, fixture.indexAmd64ConfigDigest, 'the index resolves to the amd64 image on this host')
    assert.deepEqual(fromIndex.digests.toSorted(), [fixture.indexDigest, fixture.indexAmd64Digest].toSorted())
    const image = await timed(t, 'podman pull image', () => podman.pull(imageRef))
    assert.equal(`sha256:${image.id}`, fixture.imageConfigDigest)
    assert.equal(image.digest, fixture.imageDigest)
    await podman.removeImage(imageRef)
    assert.equal(await podman.inspect(imageRef), undefined)
  })

  assert.deepEqual(await mountPointsUnder(work.path), [])
})

test('temp dirs unmount what is mounted under them', async (t) => {
  if (!haveTools(t, 'mount', 'umount') || !haveRoot(t, 'mounting')) return
  const dir = await makeTempDir('unmount-test-')
  const mountPoint = dir.join('mnt with space')
  await run('mkdir', ['-p', mountPoint])
  await run(toolPath('mount'), ['-t', 'tmpfs', 'tmpfs', mountPoint])
  await run(toolPath('mount'), ['-t', 'tmpfs', 'tmpfs', mountPoint]) // stacked
  assert.deepEqual(await mountPointsUnder(dir.path), [mountPoint])
  await dir.remove()
  assert.deepEqual(await mountPointsUnder(dir.path), [])
  await assert.rejects(readFile(dir.path), { code: 'ENOENT' })
})

async function timed<T>(t: { diagnostic(message: string): void }, what: string, action: () => Promise<T>): Promise<T> {
  const start = performance.now()
  const result = await action()
  t.diagnostic(`${what}: ${Math.round(performance.now() - start)} ms`)
  return result
}

/**
 * Two layouts from the project's fixture builder: a one-layer linux/amd64 image,
 * and an index of linux/amd64 and linux/arm64 images.
 */
async function makeFixture(work: string): Promise<Fixture> {
  const image = await buildFixtureLayout(join(work, 'image'), { kind: 'image', name: 'tools-test', refName: 'image' })
  const index = await buildFixtureLayout(join(work, 'index'), { kind: 'index', name: 'tools-test', refName: 'multi' })
  assert.equal(index.mediaType, INDEX_MEDIA_TYPE)
  const manifest = JSON.parse((await readBlob(image.dir, image.digest)).toString('utf8')) as { config: Descriptor }
  const children = (
    JSON.parse((await readBlob(index.dir, index.digest)).toString('utf8')) as { manifests: Array<Descriptor & { platform: { architecture: string } }> }
  ).manifests
  const amd64 = children.find((child) => child.platform.architecture === 'amd64')
  const arm64 = children.find((child) => child.platform.architecture === 'arm64')
  assert.ok(amd64 && arm64, 'the index fixture has amd64 and arm64')
  const amd64Manifest = JSON.parse((await readBlob(index.dir, amd64.digest)).toString('utf8')) as { config: Descriptor }
  return {
    imageLayout: image.dir,
    imageTag: 'image',
    imageDigest: image.digest,
    imageConfigDigest: manifest.config.digest,
    indexLayout: index.dir,
    indexTag: 'multi',
    indexDigest: index.digest,
    indexAmd64Digest: amd64.digest,
    indexAmd64ConfigDigest: amd64Manifest.config.digest,
    armDigest: arm64.digest,
  }
}

interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

async function readBlob(layoutDir: string, digest: string): Promise<Buffer> {
  return readFile(join(layoutDir, 'blobs', ...digest.split(':')))
}

test('a temp dir given a test context is removed when that test ends, and named after its prefix', async (t) => {
  let path = ''
  await t.test('owner', async (owner) => {
    path = (await makeTempDir('owned-', owner)).path
    assert.match(basename(path), /^localregistry-owned-/)
    await writeFile(join(path, 'file'), 'x')
  })
  await assert.rejects(stat(path), { code: 'ENOENT' })
})
