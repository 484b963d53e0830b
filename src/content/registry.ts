// The registry's content: repositories, each with tags, manifests (and indexes) by digest,
// blobs by digest and referrers by subject digest. load/ fills it, the server answers from it;
// nothing else on disk is reachable, because blob files are only ever found by looking up a
// digest registered for that repository by place/addRef. Plain content: no HTTP here.
// One image per repository:tag is this model's invariant, checked here only: each tag remembers
// who placed it, so a conflict names both sides.

import { type Descriptor, embeddedData } from '../oci/descriptor.ts'
import { type ContentSource, type Ref, walkRefs } from '../oci/ref.ts'
import { ConflictError, UsageError } from '../errors.ts'
import { checkRepository, checkTag } from '../oci/names.ts'

/** A blob in a local file (of a layout directory): served from the file, verified against its digest. */
export interface FileBlob {
  readonly kind: 'file'
  readonly digest: string
  readonly size: number
  /** The blob file (`<layout>/blobs/<algorithm>/<encoded>`). */
  readonly path: string
  /** Where the file's source is (the layout directory), for log lines. */
  readonly layout: string
}

/** A blob embedded in its descriptor's `data` field (already checked against digest and size). */
export interface MemoryBlob {
  readonly kind: 'memory'
  readonly digest: string
  readonly size: number
  readonly data: Buffer
}

export type ServedBlob = FileBlob | MemoryBlob

/** One ref to serve in a repository (and under a tag, unless digest-only), and who asked for it. */
export interface Placement {
  repository: string
  /** `undefined` or `''`: by digest only. */
  tag: string | undefined
  ref: Ref
  /** Who asked for it, for messages: `/x/m.prototxt:3`, `--image app=dir`. Unknown for a direct addRef. */
  source?: string | undefined
  /** The layout directory it was read from, for messages; default `ref.source.location`. */
  layout?: string | undefined
}

/** What a tag points at and who placed it there. */
export interface TagClaim {
  readonly digest: string
  readonly source: string | undefined
  readonly layout: string
}

/** One repository's content. Read by the handler; changed only by Registry.place. */
export class Repository {
  readonly name: string
  readonly tags = new Map<string, string>()
  readonly manifests = new Map<string, Ref>()
  readonly blobs = new Map<string, ServedBlob>()
  /** Subject digest → descriptors of the manifests in this repository that refer to it. */
  readonly referrers = new Map<string, Descriptor[]>()
  readonly #claims = new Map<string, TagClaim>()
  #sortedTags: string[] | undefined

  constructor(name: string) {
    this.name = name
  }

  /** The manifest a tag or digest names, if this repository has it. */
  manifest(reference: string): Ref | undefined {
    const byDigest = this.manifests.get(reference)
    if (byDigest !== undefined) return byDigest
    const digest = this.tags.get(reference)
    return digest === undefined ? undefined : this.manifests.get(digest)
  }

  /** Tags in ASCII order (cached until a tag is added). */
  sortedTags(): readonly string[] {
    this.#sortedTags ??= [...this.tags.keys()].sort(compareAscii)
    return this.#sortedTags
  }

  /** Who placed a tag, if it is served. */
  claim(tag: string): TagClaim | undefined {
    return this.#claims.get(tag)
  }

  /** Adds a tag; call only after checking it does not exist. */
  setTag(tag: string, claim: TagClaim): void {
    this.tags.set(tag, claim.digest)
    this.#claims.set(tag, claim)
    this.#sortedTags = undefined
  }
}

export class Registry {
  readonly #repositories = new Map<string, Repository>()
  #sortedNames: string[] | undefined

  /**
   * Serves `ref` (an image or index read from an OCI layout, and everything below it) in
   * `repository`, tagged `tag` unless the tag is empty or undefined (then by digest only):
   * `place` with one placement of unknown source.
   */
  async addRef(repository: string, tag: string | undefined, ref: Ref): Promise<void> {
    await this.place([{ repository, tag, ref }])
  }

  /**
   * Serves every placement, or none: each ref's tree is read first, then the whole batch is
   * checked (names, and one image per repository:tag against the batch itself and what is
   * served) and added in one synchronous step, so a refused batch changes nothing and claims no
   * tag. Every manifest and index of a tree is served by digest in its repository, and every
   * blob of every image in it that its source holds (a layout may lack non-distributable
   * layers); blobs are scoped to the repository, as in any registry. Adding what is already
   * there is a no-op; the same digest for a tag twice is fine; another digest for a served or
   * batched tag is a ConflictError naming both sides (the earlier claim wins).
   * Safe while serving, and against concurrent calls.
   */
  async place(placements: readonly Placement[]): Promise<void> {
    const prepared: PreparedPlacement[] = []
    for (const placement of placements) prepared.push(await preparePlacement(placement))
    // From here on nothing awaits: the check and the insertion happen as one step.
    this.#checkClaims(prepared)
    for (const p of prepared) this.#add(p)
  }

  #checkClaims(batch: readonly PreparedPlacement[]): void {
    const claimed = new Map<string, TagClaim>()
    for (const { repository, tag, claim } of batch) {
      if (tag === undefined) continue
      const key = `${repository}:${tag}`
      const earlier = claimed.get(key) ?? this.#repositories.get(repository)?.claim(tag)
      if (earlier === undefined) claimed.set(key, claim)
      else if (earlier.digest !== claim.digest) {
        throw new ConflictError(
          `${key} is claimed by two images: ${describeClaim(earlier)} and ${describeClaim(claim)}. Use another tag, or another repository`,
        )
      }
    }
  }

  #add({ repository, tag, claim, refs }: PreparedPlacement): void {
    const repo = this.#repositories.get(repository) ?? this.#createRepository(repository)
    for (const p of refs) addPrepared(repo, p)
    if (tag !== undefined && repo.claim(tag) === undefined) repo.setTag(tag, claim)
  }

  /** The repository of that name, if anything was added to it. */
  repository(name: string): Repository | undefined {
    return this.#repositories.get(name)
  }

  /** Every repository name, in ASCII order. */
  repositories(): readonly string[] {
    this.#sortedNames ??= [...this.#repositories.keys()].sort(compareAscii)
    return this.#sortedNames
  }

  #createRepository(name: string): Repository {
    const repo = new Repository(name)
    this.#repositories.set(name, repo)
    this.#sortedNames = undefined
    return repo
  }
}

interface PreparedPlacement {
  repository: string
  tag: string | undefined
  claim: TagClaim
  refs: PreparedRef[]
}

/** Checks a placement's names and reads its tree: everything `place` needs before it changes anything. */
async function preparePlacement({ repository, tag, ref, source, layout }: Placement): Promise<PreparedPlacement> {
  checkRepository(repository)
  const tagged = tag === undefined || tag === '' ? undefined : tag
  if (tagged !== undefined) checkTag(tagged)
  const refs: Ref[] = []
  await walkRefs(ref, (r) => {
    refs.push(r)
  })
  const claim = { digest: ref.digest, source, layout: layout ?? ref.source.location }
  return { repository, tag: tagged, claim, refs: refs.map((r) => prepareRef(r, repository)) }
}

/** One side of a tag conflict, with what is known of it: `SOURCE (DIGEST in LAYOUT)`, or `DIGEST in LAYOUT`. */
function describeClaim({ digest, source, layout }: TagClaim): string {
  return source === undefined ? `${digest} in ${layout}` : `${source} (${digest} in ${layout})`
}

interface PreparedRef {
  manifest: Ref
  blobs: ServedBlob[]
  subject: Descriptor | undefined
  referrer: Descriptor
}

function prepareRef(ref: Ref, repository: string): PreparedRef {
  const source = ref.source
  // A blob the source lacks by design (a non-distributable layer) is not served: a request for it is 404 BLOB_UNKNOWN.
  const blobs =
    ref.kind === 'image' ? ref.blobs.filter((d) => source.lacksBlob?.(d.digest) !== true).map((d) => prepareBlob(source, d, ref.digest, repository)) : []
  return { manifest: ref, blobs, subject: ref.manifest.subject, referrer: referrerDescriptor(ref) }
}

/** A blob of an image: its embedded bytes, else the file its source keeps it in (a source without files cannot be served). */
function prepareBlob(source: ContentSource, descriptor: Descriptor, image: string, repository: string): ServedBlob {
  const { digest, size } = descriptor
  const data = embeddedData(descriptor)
  if (data !== undefined) return { kind: 'memory', digest, size, data }
  if (source.blobPath === undefined) {
    throw new UsageError(
      `cannot serve ${image} in repository "${repository}": it was read from ${source.location}, and only refs read from an OCI image layout directory (whose blobs are local files) can be served`,
    )
  }
  return { kind: 'file', digest, size, path: source.blobPath(digest), layout: source.location }
}

/** What the referrers API lists for a manifest: its descriptor, artifact type and annotations. */
function referrerDescriptor(ref: Ref): Descriptor {
  const artifactType = ref.manifest.artifactType ?? (ref.kind === 'image' ? ref.manifest.config.mediaType : undefined)
  const annotations = ref.manifest.annotations
  return { ...ref.descriptor, ...(artifactType !== undefined && { artifactType }), ...(annotations !== undefined && { annotations }) }
}

function addPrepared(repo: Repository, prepared: PreparedRef): void {
  const { manifest } = prepared
  if (repo.manifests.has(manifest.digest)) return
  repo.manifests.set(manifest.digest, manifest)
  // A blob shared by two layouts has the same bytes in both (it is named by its digest): the first stays.
  for (const blob of prepared.blobs) if (!repo.blobs.has(blob.digest)) repo.blobs.set(blob.digest, blob)
  if (prepared.subject !== undefined) {
    const list = repo.referrers.get(prepared.subject.digest) ?? []
    list.push(prepared.referrer)
    list.sort((a, b) => compareAscii(a.digest, b.digest))
    repo.referrers.set(prepared.subject.digest, list)
  }
}

/** ASCII (code unit) order, as the distribution-spec asks for tag and repository lists. */
export function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
