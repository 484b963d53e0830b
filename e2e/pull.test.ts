/**
 * `localregistry pull` (runPullCommand) against real registries: the reference
 * distribution registry (Debian's docker-registry, loaded with skopeo) and our
 * own server. Every pull must write a layout whose entry, manifests, indexes
 * and blobs have exactly the source layout's digests, and the two registries
 * must give identical layouts.
 *
 * Run: node_modules/.bin/node --test e2e/pull.test.ts
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startRegistry } from '../src/api.ts'
import { readFile } from 'node:fs/promises'
import { type Ref, readLayout, walkRefs } from '../src/oci/index.ts'
import { runPullCommand } from '../src/cli/pull.ts'
import { buildFixtureLayout, type FixtureKind, type FixtureResult } from '../src/testing/index.ts'
import { layoutBlobFiles, readPulledLayout } from './clients/pulled.ts'
import { startDistribution } from './tools/distribution.ts'
import { haveTools } from './tools/require-tool.ts'
import { createSkopeo } from './tools/skopeo.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'

const KINDS: readonly FixtureKind[] = ['image', 'index', 'nested', 'docker', 'many-layers', 'rules-oci']

interface Source extends FixtureResult {
  kind: FixtureKind
  repository: string
  manifests: string[]
  blobs: string[]
  files: string[]
}

async function buildSources(dir: string): Promise<Source[]> {
  return Promise.all(
    KINDS.map(async (kind) => {
      const fixture = await buildFixtureLayout(`${dir}/${kind}`, { kind, name: `pull-${kind}`, layerSize: 64 * 1024 })
      const tree = await readPulledLayout(fixture.dir, 'latest')
      return { ...fixture, kind, repository: `e2e/${kind}`, manifests: tree.manifests, blobs: tree.blobs, files: await layoutBlobFiles(fixture.dir) }
    }),
  )
}

/** Runs the command the way the CLI does, without a terminal; returns what it printed on stdout. */
async function pullCommand(args: string[]): Promise<string> {
  let stdout = ''
  let stderr = ''
  const io = { isTTY: false, stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } }
  assert.equal(await runPullCommand(args, io), 0)
  assert.equal(stderr, '', 'quiet when not on a terminal')
  return stdout
}

/** Pulls `source` from `host` by tag, by digest, and by tag@digest; checks every layout against the source. */
async function pullAndCheck(host: string, source: Source, out: string, extraArgs: string[] = []): Promise<void> {
  const name = `${host}/${source.repository}`
  const byTag = `${out}/${source.kind}-tag`
  assert.equal(await pullCommand([...extraArgs, `${name}:latest`, byTag]), `${source.digest}\n`, `${source.kind} by tag`)
  const pulled = await readPulledLayout(byTag, 'latest')
  assert.equal(pulled.digest, source.digest, source.kind)
  assert.equal(pulled.mediaType, source.mediaType, source.kind)
  assert.deepEqual(pulled.manifests, source.manifests, `${source.kind}: manifests and indexes`)
  assert.deepEqual(pulled.blobs, source.blobs, `${source.kind}: configs and layers`)
  assert.deepEqual(await layoutBlobFiles(byTag), source.files, `${source.kind}: blob files`)

  const byDigest = `${out}/${source.kind}-digest`
  assert.equal(await pullCommand([...extraArgs, `${name}@${source.digest}`, byDigest]), `${source.digest}\n`)
  const layout = await readLayout(byDigest)
  assert.equal(layout.entries[0]?.ref.digest, source.digest)
  assert.equal(layout.entries[0]?.refName, undefined, 'pulled by digest: no ref name')
  assert.deepEqual(await layoutBlobFiles(byDigest), source.files)

  assert.equal(await pullCommand([...extraArgs, `${name}:latest@${source.digest}`, `${out}/${source.kind}-both`]), `${source.digest}\n`)
}

/** Every digest in the tree of a layout's single entry, for comparing two pulled layouts. */
async function treeDigests(dir: string): Promise<string[]> {
  const layout = await readLayout(dir)
  const digests: string[] = []
  for (const entry of layout.entries) {
    await walkRefs(entry.ref, (ref) => {
      digests.push(ref.digest)
      if (ref.kind === 'image') for (const blob of ref.blobs) digests.push(blob.digest)
    })
  }
  return digests.sort()
}

test('pull from our own server gives layouts identical to the sources', async () => {
  await using work = await makeTempDir('e2e-pull-ours-')
  const sources = await buildSources(work.join('sources'))
  await using registry = await startRegistry({ images: sources.map((s) => ({ repository: s.repository, tag: 'latest', layout: s.dir })) })
  const host = new URL(registry.url).host
  for (const source of sources) await pullAndCheck(host, source, work.join('out'))
})

test('pull from the reference registry (docker-registry, loaded by skopeo) gives the same layouts as from ours', async (t) => {
  if (!haveTools(t, 'docker-registry', 'skopeo')) return
  await using work = await makeTempDir('e2e-pull-distribution-')
  const sources = await buildSources(work.join('sources'))
  await using distribution = await startDistribution()
  await using skopeo = await createSkopeo({ timeoutMs: 60_000 })
  for (const source of sources) {
    // skopeo 1.x copies an index of indexes only one level deep ("Unexpectedly received a
    // manifest list instead of a manifest for a single image") and does not see a Docker-typed
    // entry in an OCI layout ("no descriptor found"): push those two over the API ourselves.
    if (source.kind === 'nested' || source.kind === 'docker') await pushOverApi(distribution.url, source)
    else await skopeo.pushLayout(source.dir, 'latest', `${distribution.host}/${source.repository}:latest`)
  }
  for (const source of sources) await pullAndCheck(distribution.host, source, work.join('reference'))

  await using ours = await startRegistry({ images: sources.map((s) => ({ repository: s.repository, tag: 'latest', layout: s.dir })) })
  for (const source of sources) {
    const fromOurs = work.join('ours', source.kind)
    await pullCommand([`${new URL(ours.url).host}/${source.repository}:latest`, fromOurs])
    assert.deepEqual(await treeDigests(fromOurs), await treeDigests(work.join('reference', `${source.kind}-tag`)), source.kind)
  }
})

/** Pushes a layout's tree with the distribution push API: blobs, then manifests children first, then the tag. */
async function pushOverApi(base: string, source: Source): Promise<void> {
  const layout = await readLayout(source.dir)
  const refs: Ref[] = []
  for (const entry of layout.entries) await walkRefs(entry.ref, (ref) => void refs.push(ref))
  const put = async (path: string, body: Buffer, contentType: string): Promise<void> => {
    const response = await fetch(new URL(path, base), { method: 'PUT', body, headers: { 'content-type': contentType } })
    assert.ok(response.ok, `PUT ${path}: HTTP ${response.status} ${await response.text()}`)
  }
  for (const ref of refs) {
    if (ref.kind !== 'image') continue
    for (const blob of ref.blobs) {
      const start = await fetch(new URL(`/v2/${source.repository}/blobs/uploads/`, base), { method: 'POST' })
      assert.equal(start.status, 202, `start upload: HTTP ${start.status}`)
      const location = new URL(start.headers.get('location') ?? '', base)
      location.searchParams.set('digest', blob.digest)
      await put(location.toString(), await readFile(layout.store.blobPath(blob.digest)), 'application/octet-stream')
    }
  }
  for (const ref of refs.reverse()) await put(`/v2/${source.repository}/manifests/${ref.digest}`, ref.raw, ref.mediaType)
  const top = layout.entries[0]?.ref as Ref
  await put(`/v2/${source.repository}/manifests/latest`, top.raw, top.mediaType)
}
