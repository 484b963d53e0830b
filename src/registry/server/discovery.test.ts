import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readLayout } from '../../oci/layout.ts'
import { LayoutWriter } from '../../oci/layout-writer.ts'
import * as mt from '../../oci/media-types.ts'
import type { Image } from '../../oci/ref.ts'
import { makeTempDir } from '../../../test/support/temp-dir.ts'
import { writeJsonBlob } from '../../../test/support/layouts.ts'
import { entryRef, errorCode, fixture, request, serve, sha256 } from '../../../test/support/server.ts'

interface IndexBody {
  schemaVersion: number
  mediaType: string
  manifests: Array<{ mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }>
}

/** Follows rel="next" Link headers from `path`, returning every page's list and the links seen. */
async function allPages(base: string, path: string, key: 'tags' | 'repositories'): Promise<{ pages: string[][]; links: string[] }> {
  const pages: string[][] = []
  const links: string[] = []
  let next: string | undefined = path
  while (next !== undefined) {
    const res = await request(base, next)
    assert.equal(res.status, 200, next)
    const body = JSON.parse(res.body.toString()) as Record<string, string[]>
    pages.push(body[key] ?? [])
    const link = res.headers.link
    next = undefined
    if (typeof link === 'string') {
      links.push(link)
      const match = /^<([^>]+)>; rel="next"$/.exec(link)
      assert.ok(match, link)
      next = match[1]
    }
  }
  return { pages, links }
}

describe('registry server: tags list', () => {
  it('lists tags in ASCII order, whole or paginated with n, last and Link', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const { registry, server } = await serve(t)
    const tags = ['latest', 'v1', 'V2', '_x', '1.0', 'Z', 'a-b', 'a.b', 'a_b']
    for (const tag of tags) await registry.addRef('team/app', tag, ref)
    const sorted = [...tags].sort()
    assert.deepEqual(sorted, ['1.0', 'V2', 'Z', '_x', 'a-b', 'a.b', 'a_b', 'latest', 'v1'])
    const whole = await request(server.url, '/v2/team/app/tags/list')
    assert.equal(whole.status, 200)
    assert.equal(whole.headers['content-type'], 'application/json')
    assert.equal(whole.headers.link, undefined)
    assert.deepEqual(JSON.parse(whole.body.toString()), { name: 'team/app', tags: sorted })

    const { pages, links } = await allPages(server.url, '/v2/team/app/tags/list?n=4', 'tags')
    assert.deepEqual(pages, [sorted.slice(0, 4), sorted.slice(4, 8), sorted.slice(8)])
    assert.deepEqual(links, ['</v2/team/app/tags/list?n=4&last=_x>; rel="next"', '</v2/team/app/tags/list?n=4&last=latest>; rel="next"'])

    const exact = await request(server.url, `/v2/team/app/tags/list?n=${sorted.length}`)
    assert.equal(exact.headers.link, undefined, 'no next page when n covers the rest')
    const after = await request(server.url, '/v2/team/app/tags/list?last=a.b')
    assert.deepEqual(JSON.parse(after.body.toString()).tags, ['a_b', 'latest', 'v1'])
    const afterUnknown = await request(server.url, '/v2/team/app/tags/list?last=b&n=1')
    assert.deepEqual(JSON.parse(afterUnknown.body.toString()).tags, ['latest'])
    const pastEnd = await request(server.url, '/v2/team/app/tags/list?last=zzz')
    assert.deepEqual(JSON.parse(pastEnd.body.toString()).tags, [])
    const head = await request(server.url, '/v2/team/app/tags/list?n=2', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body.length, 0)
    assert.equal(head.headers.link, '</v2/team/app/tags/list?n=2&last=V2>; rel="next"')
  })

  it('rejects n that is not a non-negative integer with 400 UNSUPPORTED (a code of the spec)', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', ref)
    for (const n of ['-1', '1.5', 'abc', '', '1e3', '+1', '0x10', '%20']) {
      for (const path of [`/v2/app/tags/list?n=${n}`, `/v2/_catalog?n=${n}`]) {
        const res = await request(server.url, path)
        assert.equal(res.status, 400, path)
        assert.equal(errorCode(res), 'UNSUPPORTED', path)
      }
    }
    assert.equal((await request(server.url, '/v2/app/tags/list?n=99999999999')).status, 200)
    // At most 15 digits: every such n is an exact number.
    assert.equal((await request(server.url, `/v2/app/tags/list?n=${'9'.repeat(15)}`)).status, 200)
    assert.equal((await request(server.url, `/v2/app/tags/list?n=${'9'.repeat(16)}`)).status, 400)
  })

  it('answers 404 NAME_UNKNOWN for tags of unknown and impossible repositories alike', async (t) => {
    const { server } = await serve(t)
    assert.equal(errorCode(await request(server.url, '/v2/nope/tags/list')), 'NAME_UNKNOWN')
    const impossible = await request(server.url, '/v2/No_pe/tags/list')
    assert.equal(impossible.status, 404)
    assert.equal(errorCode(impossible), 'NAME_UNKNOWN')
    assert.match(JSON.parse(impossible.body.toString()).errors[0].message, /a repository name is lowercase letters/)
  })
})

describe('registry server: catalog', () => {
  it('lists repositories in ASCII order with the same pagination', async (t) => {
    const ref = entryRef(await fixture(t, { kind: 'image' }))
    const { registry, server } = await serve(t)
    const names = ['b', 'a/z', 'a', 'a-b', 'a.b', 'a_b', 'c/d/e']
    for (const name of names) await registry.addRef(name, 'latest', ref)
    const sorted = [...names].sort()
    const whole = await request(server.url, '/v2/_catalog')
    assert.deepEqual(JSON.parse(whole.body.toString()), { repositories: sorted })
    const { pages, links } = await allPages(server.url, '/v2/_catalog?n=3', 'repositories')
    assert.deepEqual(pages, [sorted.slice(0, 3), sorted.slice(3, 6), sorted.slice(6)])
    assert.equal(links[0], `</v2/_catalog?n=3&last=${encodeURIComponent(sorted[2] ?? '')}>; rel="next"`)
    assert.deepEqual(registry.repositories(), sorted)
  })

  it('is empty with nothing loaded', async (t) => {
    const { server } = await serve(t)
    assert.deepEqual(JSON.parse((await request(server.url, '/v2/_catalog')).body.toString()), { repositories: [] })
  })
})

describe('registry server: referrers', () => {
  it('lists manifests whose subject is the digest, with artifactType and annotations; filters by artifactType', async (t) => {
    const layout = await fixture(t, { kind: 'referrer' })
    const image = entryRef(layout, 'latest')
    const sbom = entryRef(layout, 'sbom') as Image
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', image)
    await registry.addRef('app', undefined, sbom)
    const res = await request(server.url, `/v2/app/referrers/${image.digest}`)
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-type'], mt.OCI_INDEX)
    assert.equal(res.headers['oci-filters-applied'], undefined)
    assert.equal(res.headers['docker-content-digest'], sha256(res.body))
    const body = JSON.parse(res.body.toString()) as IndexBody
    assert.equal(body.schemaVersion, 2)
    assert.equal(body.mediaType, mt.OCI_INDEX)
    assert.deepEqual(body.manifests, [
      {
        mediaType: mt.OCI_MANIFEST,
        digest: sbom.digest,
        size: sbom.size,
        artifactType: 'application/vnd.example.sbom.v1+json',
        annotations: { 'org.example.kind': 'sbom' },
      },
    ])

    const match = await request(server.url, `/v2/app/referrers/${image.digest}?artifactType=${encodeURIComponent('application/vnd.example.sbom.v1+json')}`)
    assert.equal(match.headers['oci-filters-applied'], 'artifactType')
    assert.equal((JSON.parse(match.body.toString()) as IndexBody).manifests.length, 1)
    const miss = await request(server.url, `/v2/app/referrers/${image.digest}?artifactType=application/other`)
    assert.equal(miss.status, 200)
    assert.equal(miss.headers['oci-filters-applied'], 'artifactType')
    assert.deepEqual((JSON.parse(miss.body.toString()) as IndexBody).manifests, [])
    const head = await request(server.url, `/v2/app/referrers/${image.digest}`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body.length, 0)
  })

  it('lists a referrer once however often it is added, and adds no tag for a digest-only ref', async (t) => {
    const layout = await fixture(t, { kind: 'referrer' })
    const image = entryRef(layout, 'latest')
    const sbom = entryRef(layout, 'sbom') as Image
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', image)
    for (let i = 0; i < 3; i++) await registry.addRef('app', i === 0 ? undefined : '', sbom)
    const body = JSON.parse((await request(server.url, `/v2/app/referrers/${image.digest}`)).body.toString()) as IndexBody
    assert.deepEqual(
      body.manifests.map((d) => d.digest),
      [sbom.digest],
    )
    const tags = JSON.parse((await request(server.url, '/v2/app/tags/list')).body.toString()) as { tags: string[] }
    assert.deepEqual(tags.tags, ['latest'])
    // Several filters: what any of them names.
    const filtered = await request(
      server.url,
      `/v2/app/referrers/${image.digest}?artifactType=application/other&artifactType=&artifactType=${encodeURIComponent('application/vnd.example.sbom.v1+json')}`,
    )
    assert.equal((JSON.parse(filtered.body.toString()) as IndexBody).manifests.length, 1)
  })

  it('uses the config media type as artifactType of an image manifest that has none', async (t) => {
    const dir = (await makeTempDir('test-', t)).join('artifact')
    const writer = await LayoutWriter.open(dir)
    const config = await writeJsonBlob(writer, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, mt.OCI_CONFIG)
    const subjectImage = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: mt.OCI_MANIFEST, config, layers: [] }, mt.OCI_MANIFEST)
    const signatureConfig = await writeJsonBlob(writer, { signed: true }, 'application/vnd.example.signature.config+json')
    const signature = await writeJsonBlob(
      writer,
      { schemaVersion: 2, mediaType: mt.OCI_MANIFEST, config: signatureConfig, layers: [], subject: subjectImage },
      mt.OCI_MANIFEST,
    )
    await writer.commit([
      { ...subjectImage, annotations: { [mt.REF_NAME_ANNOTATION]: 'latest' } },
      { ...signature, annotations: { [mt.REF_NAME_ANNOTATION]: 'sig' } },
    ])
    const layout = await readLayout(dir)
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', entryRef(layout, 'latest'))
    await registry.addRef('app', 'sig', entryRef(layout, 'sig'))
    const body = JSON.parse((await request(server.url, `/v2/app/referrers/${subjectImage.digest}`)).body.toString()) as IndexBody
    assert.deepEqual(body.manifests, [
      { mediaType: mt.OCI_MANIFEST, digest: signature.digest, size: signature.size, artifactType: 'application/vnd.example.signature.config+json' },
    ])
  })

  it('answers 200 with an empty index for unknown digests and repositories, 400 for invalid ones', async (t) => {
    const layout = await fixture(t, { kind: 'referrer' })
    const { registry, server } = await serve(t)
    await registry.addRef('app', 'latest', entryRef(layout, 'latest'))
    await registry.addRef('app', 'sbom', entryRef(layout, 'sbom'))
    for (const path of [`/v2/app/referrers/sha256:${'1'.repeat(64)}`, `/v2/unknown/referrers/sha256:${'1'.repeat(64)}`]) {
      const res = await request(server.url, path)
      assert.equal(res.status, 200, path)
      assert.deepEqual(JSON.parse(res.body.toString()), { schemaVersion: 2, mediaType: mt.OCI_INDEX, manifests: [] })
    }
    // Referrers are per repository.
    const other = await request(server.url, `/v2/elsewhere/referrers/${entryRef(layout, 'latest').digest}`)
    assert.deepEqual((JSON.parse(other.body.toString()) as IndexBody).manifests, [])
    for (const digest of ['sha256:abc', 'latest', '', `sha256:${'G'.repeat(64)}`]) {
      const res = await request(server.url, `/v2/app/referrers/${digest}`)
      assert.equal(res.status, 400, digest)
      assert.equal(errorCode(res), 'DIGEST_INVALID')
    }
    assert.equal(errorCode(await request(server.url, `/v2/A/referrers/sha256:${'1'.repeat(64)}`)), 'NAME_INVALID')
  })
})
