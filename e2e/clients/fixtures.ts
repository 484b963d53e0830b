/**
 * The images every e2e client test pulls from our server, built with the
 * project's deterministic fixture builder, and what the source layouts say a
 * client must end up with: the top digest, every manifest and index digest of
 * the tree, every config and layer digest, and the image a linux host resolves to.
 *
 * The set covers what issue 3 asks of real clients: a single image under two
 * tags, a multi-arch index, several tags in one repository, a nested repository
 * name, a nested index, a Docker-typed image, a digest-only image (empty tag)
 * and a rules_oci-shaped layout (index.json without mediaType).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readLayout, walkRefs } from '../../src/oci/index.ts'
import { buildFixtureLayout, type FixtureKind } from '../../src/testing/index.ts'

/** One image manifest of a fixture's tree. */
export interface PlatformImage {
  digest: string
  mediaType: string
  /** `os/architecture[/variant]`, from the config. */
  platform: string
  config: string
  layers: string[]
}

/** A fixture layout, where it is served, and what pulling it must give. */
export interface SourceImage {
  /** Key in {@link Fixtures}, for messages. */
  readonly key: string
  readonly kind: FixtureKind
  readonly repository: string
  /** Tags it is served under; empty for a digest-only image. */
  readonly tags: readonly string[]
  /** The OCI layout directory. */
  readonly layout: string
  /** Digest and media type of the layout's index.json entry: what a tag resolves to. */
  readonly digest: string
  readonly mediaType: string
  /** Every manifest and index digest in the tree, the top one included (sorted). */
  readonly manifests: readonly string[]
  /** Every config and layer digest in the tree (sorted). */
  readonly blobs: readonly string[]
  /** Every image manifest in the tree. */
  readonly images: readonly PlatformImage[]
  /** The exact bytes of each manifest and index, by digest. */
  readonly raw: ReadonlyMap<string, Buffer>
  /** The image a client on this host (linux, process.arch) picks when it pulls the top digest. */
  readonly host: PlatformImage
}

interface FixtureSpec {
  kind: FixtureKind
  repository: string
  tags: string[]
}

/** What is served where. Repository `app` holds three tags, two of them on one image. */
const SPECS = {
  image: { kind: 'image', repository: 'app', tags: ['v1', 'latest'] },
  index: { kind: 'index', repository: 'app', tags: ['multi'] },
  deep: { kind: 'image', repository: 'a/b/c', tags: ['one'] },
  nested: { kind: 'nested', repository: 'nested/index', tags: ['latest'] },
  docker: { kind: 'docker', repository: 'docker-typed', tags: ['v2'] },
  pinned: { kind: 'image', repository: 'pinned', tags: [] },
  rulesOci: { kind: 'rules-oci', repository: 'rules_oci/app', tags: ['latest'] },
} satisfies Record<string, FixtureSpec>

export type FixtureKey = keyof typeof SPECS
export type Fixtures = Record<FixtureKey, SourceImage>

/** An entry of startRegistry's `images` (and of the CLI's `--image REPO[:TAG]=DIR`). */
export interface ServedImage {
  repository: string
  tag: string
  layout: string
}

/** Builds every fixture under `dir` (fixtures with different names share no blobs). */
export async function buildFixtures(dir: string): Promise<Fixtures> {
  const entries = await Promise.all(
    Object.entries(SPECS).map(async ([key, spec]) => {
      const built = await buildFixtureLayout(join(dir, key), { kind: spec.kind, name: `e2e-${key}` })
      return [key, await describe(key, spec, built.dir, built.digest, built.mediaType)] as const
    }),
  )
  return Object.fromEntries(entries) as Fixtures
}

/** startRegistry's `images`: one entry per tag, and one with an empty tag for a digest-only image. */
export function servedImages(fixtures: Fixtures): ServedImage[] {
  return Object.values(fixtures).flatMap((fixture) =>
    fixture.tags.length === 0
      ? [{ repository: fixture.repository, tag: '', layout: fixture.layout }]
      : fixture.tags.map((tag) => ({ repository: fixture.repository, tag, layout: fixture.layout })),
  )
}

/** Tags of each repository, as the tags list must show them (ASCII order). */
export function tagsByRepository(fixtures: Fixtures): Map<string, string[]> {
  const byRepository = new Map<string, string[]>()
  for (const fixture of Object.values(fixtures)) {
    byRepository.set(fixture.repository, [...(byRepository.get(fixture.repository) ?? []), ...fixture.tags].sort())
  }
  return byRepository
}

/** `HOST/REPO:TAG` (first tag) or `HOST/REPO@DIGEST` for a digest-only fixture. */
export function reference(host: string, fixture: SourceImage, tag = fixture.tags[0]): string {
  return tag === undefined ? `${host}/${fixture.repository}@${fixture.digest}` : `${host}/${fixture.repository}:${tag}`
}

/** `HOST/REPO@DIGEST`. */
export function byDigest(host: string, fixture: SourceImage, digest = fixture.digest): string {
  return `${host}/${fixture.repository}@${digest}`
}

async function describe(key: string, spec: FixtureSpec, dir: string, digest: string, mediaType: string): Promise<SourceImage> {
  const layout = await readLayout(dir)
  const entry = layout.entries.find((candidate) => candidate.ref.digest === digest)
  if (entry === undefined) throw new Error(`fixture ${key}: ${dir} has no entry for ${digest}`)
  const manifests = new Set<string>()
  const blobs = new Set<string>()
  const raw = new Map<string, Buffer>()
  const images: PlatformImage[] = []
  await walkRefs(entry.ref, async (ref) => {
    manifests.add(ref.digest)
    raw.set(ref.digest, ref.raw)
    if (ref.kind !== 'image') return
    for (const blob of ref.blobs) blobs.add(blob.digest)
    const config = ref.manifest.config.digest
    const parsed = JSON.parse(await readFile(layout.store.blobPath(config), 'utf8')) as { os: string; architecture: string; variant?: string }
    images.push({
      digest: ref.digest,
      mediaType: ref.mediaType,
      platform: [parsed.os, parsed.architecture, parsed.variant].filter((part) => part !== undefined).join('/'),
      config,
      layers: ref.manifest.layers.map((layer) => layer.digest),
    })
  })
  const hostArch = process.arch === 'x64' ? 'amd64' : process.arch
  const host = images.find((image) => image.platform === `linux/${hostArch}` || image.platform.startsWith(`linux/${hostArch}/`))
  if (host === undefined) throw new Error(`fixture ${key} has no linux/${hostArch} image: these tests need an amd64 or arm64 host`)
  return {
    key,
    kind: spec.kind,
    repository: spec.repository,
    tags: spec.tags,
    layout: dir,
    digest,
    mediaType,
    manifests: [...manifests].sort(),
    blobs: [...blobs].sort(),
    images,
    raw,
    host,
  }
}
