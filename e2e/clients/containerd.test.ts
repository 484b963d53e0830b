/**
 * containerd 1.6 (`ctr images pull --plain-http`) against our registry, started
 * through the API. containerd resolves a tag with `HEAD /v2/REPO/manifests/TAG`,
 * then fetches everything by digest; it unpacks the host platform's layers.
 * One private daemon (root, state and socket in a temp dir) serves every case.
 *
 * Run (as root): node_modules/.bin/node --test e2e/clients/containerd.test.ts
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startContainerd, type Containerd, type PullOptions } from '../tools/containerd.ts'
import { CommandError } from '../tools/exec.ts'
import { haveRoot, haveTools } from '../tools/require-tool.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { buildFixtures, byDigest, reference, type SourceImage } from './fixtures.ts'
import { union } from './pulled.ts'
import { serveFixtures } from './server.ts'

test('ctr pulls from our registry', async (t) => {
  if (!haveTools(t, 'containerd', 'ctr') || !haveRoot(t, 'containerd')) return
  await using work = await makeTempDir('e2e-ctr-')
  const fixtures = await buildFixtures(work.join('layouts'))
  await using server = await serveFixtures(fixtures)
  await using ctrd = await startContainerd({ timeoutMs: 30_000 })
  const { host } = server
  const step = (name: string, body: () => Promise<void>): Promise<void> => t.test(name, () => server.explain(body))

  /** Pulls, then checks the target digest and that the image is complete and unpacked. */
  const pullAndCheck = async (fixture: SourceImage, ref: string, options: PullOptions = {}): Promise<void> => {
    const digest = await pull(ctrd, ref, options)
    assert.equal(digest, fixture.digest, `${ref}: target digest`)
    const status = await ctrd.image(ref)
    assert.equal(status?.mediaType, fixture.mediaType, `${ref}: target media type`)
    assert.match(status?.status ?? '', /^complete \((\d+)\/\1\)$/, `${ref}: ctr images check`)
    assert.equal(status?.unpacked, true, `${ref}: unpacked into ${ctrd.snapshotter}`)
  }
  /** The host platform's manifest, config and layers, plus every index above it. */
  const hostContent = (fixture: SourceImage): string[] => {
    const others = new Set(fixture.images.filter((image) => image !== fixture.host).map((image) => image.digest))
    return union(
      fixture.manifests.filter((digest) => !others.has(digest)),
      [fixture.host.config],
      fixture.host.layers,
    )
  }
  const assertHasContent = async (digests: readonly string[], what: string): Promise<void> => {
    const stored = new Set(await ctrd.contentDigests())
    assert.deepEqual(
      digests.filter((digest) => !stored.has(digest)),
      [],
      `${what}: missing from the content store`,
    )
  }
  const assertLacksContent = async (digests: readonly string[], what: string): Promise<void> => {
    const stored = new Set(await ctrd.contentDigests())
    assert.deepEqual(
      digests.filter((digest) => stored.has(digest)),
      [],
      `${what}: unexpectedly fetched`,
    )
  }

  await step('a single image, by tag, by a second tag and by digest', async () => {
    const { image } = fixtures
    const [first = '', ...rest] = image.tags
    const start = server.mark()
    await pullAndCheck(image, reference(host, image, first))
    // containerd resolves the tag with HEAD (digest from Docker-Content-Digest), then fetches by digest only.
    const requests = server.since(start).map((line) => line.split(' ').slice(0, 3).join(' '))
    const manifests = `/v2/${image.repository}/manifests`
    assert.deepEqual(
      requests.filter((request) => request.includes(manifests)),
      [`HEAD ${manifests}/${first} 200`, `GET ${manifests}/${image.digest} 200`],
    )
    for (const tag of rest) await pullAndCheck(image, reference(host, image, tag))
    await pullAndCheck(image, byDigest(host, image))
    await assertHasContent(union(image.manifests, image.blobs), 'the image')
  })

  await step("a multi-arch index, default platform: only the host's image is fetched", async () => {
    const { index } = fixtures
    await pullAndCheck(index, reference(host, index))
    await assertHasContent(hostContent(index), "the index and the host's image")
    const others = index.images.filter((image) => image !== index.host)
    await assertLacksContent(union(...others.map((image) => [image.digest, image.config, ...image.layers])), 'other platforms')
  })

  await step('a multi-arch index, --all-platforms: every platform is fetched', async () => {
    const { index } = fixtures
    await pullAndCheck(index, byDigest(host, index), { allPlatforms: true })
    await assertHasContent(union(index.manifests, index.blobs), 'every platform')
  })

  await step('a nested index, default platform then --all-platforms', async () => {
    const { nested } = fixtures
    await pullAndCheck(nested, reference(host, nested))
    await assertHasContent(hostContent(nested), "the indexes and the host's image")
    const s390x = nested.images.find((image) => image.platform === 'linux/s390x')
    assert.ok(s390x, 'the nested fixture has a linux/s390x image')
    await assertLacksContent([s390x.digest, s390x.config], 'linux/s390x')
    await pullAndCheck(nested, byDigest(host, nested), { allPlatforms: true })
    await assertHasContent(union(nested.manifests, nested.blobs), 'every level and platform')
  })

  await step('a Docker-typed image', async () => {
    const { docker } = fixtures
    await pullAndCheck(docker, reference(host, docker))
    await pullAndCheck(docker, byDigest(host, docker))
    await assertHasContent(union(docker.manifests, docker.blobs), 'the Docker image')
  })

  await step('a digest-only image, a nested repository name, a rules_oci-shaped layout', async () => {
    const { pinned, deep, rulesOci } = fixtures
    await pullAndCheck(pinned, byDigest(host, pinned))
    await pullAndCheck(deep, reference(host, deep))
    await pullAndCheck(rulesOci, reference(host, rulesOci))
  })

  await step('a tag that is not served is not found', async () => {
    await assert.rejects(ctrd.pull(`${host}/app:nope`), /not found/)
    await assert.rejects(ctrd.pull(`${host}/pinned:latest`), /not found/)
  })

  await step('a removed image is fetched again from the registry', async () => {
    const { image } = fixtures
    const ref = reference(host, image, 'v1')
    for (const tag of image.tags) await ctrd.removeImage(reference(host, image, tag))
    await ctrd.removeImage(byDigest(host, image))
    await assertLacksContent(image.blobs, 'after removing every name of the image')
    await pullAndCheck(image, ref)
    await assertHasContent(union(image.manifests, image.blobs), 'the image pulled again')
  })
})

/**
 * ctrd.pull, and on failure the same pull again with `--http-dump`, so the
 * error shows every request containerd made and every answer it got.
 */
async function pull(ctrd: Containerd, ref: string, options: PullOptions): Promise<string> {
  try {
    return await ctrd.pull(ref, options)
  } catch (error) {
    if (!(error instanceof CommandError)) throw error
    const args = ['images', 'pull', '--plain-http', '--http-dump', ...(options.allPlatforms ? ['--all-platforms'] : []), ref]
    const dump = await ctrd.ctr(args).then(
      (result) => `the retry with --http-dump passed:\n${result.stdout}`,
      (retry: unknown) => (retry instanceof CommandError ? `${retry.stdout}\n${retry.stderr}` : String(retry)),
    )
    throw new Error(`${error.message}\n--- ctr images pull --http-dump ---\n${dump.slice(-20_000)}`, { cause: error })
  }
}
