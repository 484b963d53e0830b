/**
 * podman 4 (`podman pull --tls-verify=false`, containers/image and
 * containers/storage) against our registry, started through the API. State
 * (root, runroot, tmpdir) lives in a temp dir: overlay storage, no events, cgroupfs.
 *
 * podman's `.Digest` is sticky (the digest of the first pull that stored the
 * image), so a pull is checked with `digests.includes(expected)`.
 *
 * Run (as root): node_modules/.bin/node --test e2e/clients/podman.test.ts
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPodman, type Podman, type PodmanImage } from '../tools/podman.ts'
import { haveRoot, haveTools } from '../tools/require-tool.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { buildFixtures, byDigest, reference, type SourceImage } from './fixtures.ts'
import { serveFixtures } from './server.ts'

test('podman pulls from our registry', async (t) => {
  if (!haveTools(t, 'podman') || !haveRoot(t, 'podman overlay storage')) return
  await using work = await makeTempDir('e2e-podman-')
  const fixtures = await buildFixtures(work.join('layouts'))
  await using server = await serveFixtures(fixtures)
  await using podman = await createPodman({ timeoutMs: 30_000 })
  const { host } = server
  const step = (name: string, body: () => Promise<void>): Promise<void> => t.test(name, () => server.explain(body))

  await step('a single image, by tag, by a second tag and by digest', async () => {
    const { image } = fixtures
    for (const tag of image.tags) await pullAndCheck(podman, image, reference(host, image, tag))
    const pinned = await pullAndCheck(podman, image, byDigest(host, image))
    assert.deepEqual(pinned.repoTags.toSorted(), image.tags.map((tag) => `${host}/${image.repository}:${tag}`).sort(), 'both tags name one image')
  })

  await step("a multi-arch index resolves to the host platform's image", async () => {
    const { index } = fixtures
    const pulled = await pullAndCheck(podman, index, reference(host, index))
    assert.ok(pulled.digests.includes(index.host.digest), `${pulled.digests.join(', ')} includes the host's manifest ${index.host.digest}`)
    await pullAndCheck(podman, index, byDigest(host, index))
  })

  await step('another platform of the index, with --platform', async () => {
    const { index } = fixtures
    const arm64 = index.images.find((image) => image.platform.startsWith('linux/arm64'))
    assert.ok(arm64, 'the index fixture has linux/arm64')
    const ref = reference(host, index)
    await podman.removeImage(ref)
    const pulled = await podman.pull(ref, { platform: 'linux/arm64/v8' })
    assert.equal(`sha256:${pulled.id}`, arm64.config)
    assert.equal(`${pulled.os}/${pulled.architecture}`, 'linux/arm64')
    assert.ok(pulled.digests.includes(index.digest) && pulled.digests.includes(arm64.digest), pulled.digests.join(', '))
  })

  await step('a Docker-typed image, a digest-only image, a nested repository name, a rules_oci-shaped layout', async () => {
    const { docker, pinned, deep, rulesOci } = fixtures
    await pullAndCheck(podman, docker, reference(host, docker))
    const digestOnly = await pullAndCheck(podman, pinned, byDigest(host, pinned))
    assert.deepEqual(digestOnly.repoTags, [], 'a digest-only image has no tag')
    await pullAndCheck(podman, deep, reference(host, deep))
    await pullAndCheck(podman, rulesOci, reference(host, rulesOci))
  })

  await step('a tag that is not served is an error podman reports', async () => {
    await assert.rejects(podman.pull(`${host}/app:nope`), /manifest unknown/i)
    await assert.rejects(podman.pull(`${host}/pinned:latest`), /manifest unknown/i)
  })
})

/** Pulls and checks the image is the host platform's image of the fixture, reached through its digest. */
async function pullAndCheck(podman: Podman, fixture: SourceImage, ref: string): Promise<PodmanImage> {
  const image = await podman.pull(ref)
  assert.equal(`sha256:${image.id}`, fixture.host.config, `${ref}: image id is the host image's config digest`)
  assert.ok(image.digests.includes(fixture.digest), `${ref}: ${image.digests.join(', ')} includes ${fixture.digest}`)
  assert.equal(`${image.os}/${image.architecture}`, fixture.host.platform.split('/').slice(0, 2).join('/'), `${ref}: platform`)
  return image
}
