// A Ref is what a name points at: an image (manifest + config + layers) or an index
// (a list of child refs, possibly nested). Refs do not know where their content lives;
// a ContentSource (a layout directory, a registry) reads it for them.

import type { Readable } from 'node:stream'
import { type Descriptor } from './descriptor.ts'
import { computeDigest } from './digest.ts'
import { type ImageIndex, type ImageManifest, parseManifest } from './manifest.ts'
import { manifestKind } from './media-types.ts'
import { verifyBytes } from './verify.ts'
import { ManifestError } from '../errors.ts'

export interface ContentSource {
  /** Where the content lives, for error messages: a layout directory, a registry URL. */
  readonly location: string
  /**
   * The bytes of a manifest or index, verified against its descriptor's size and digest (a
   * mismatch is a ContentMismatchError). The contract readRef relies on: it makes a Ref of these
   * bytes without hashing them again, so a source that skipped the check would let content its
   * digest does not name become a Ref.
   */
  readManifest(descriptor: Descriptor): Promise<Buffer>
  /** A blob's bytes, verified against its descriptor while they stream: a mismatch is a stream error. */
  openBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<Readable>
  /**
   * The local file that holds a blob, for sources that keep blobs in files (an image layout);
   * absent for others. The registry server serves (and verifies) blobs from these files.
   */
  blobPath?(digest: string): string
  /**
   * True for a blob the source lacks by design: a non-distributable layer that an image layout
   * does not hold (media-types.ts). Such a blob is never served. Absent for sources that hold every blob.
   */
  lacksBlob?(digest: string): boolean
}

/** The most levels of nested indexes we follow; real images use one or two. */
export const MAX_INDEX_DEPTH = 8

interface RefInit {
  digest: string
  mediaType: string
  raw: Buffer
  source: ContentSource
}

class RefBase {
  readonly digest: string
  readonly mediaType: string
  /** The manifest's exact bytes: what is served, hashed and written. */
  readonly raw: Buffer
  readonly source: ContentSource

  constructor(init: RefInit) {
    this.digest = init.digest
    this.mediaType = init.mediaType
    this.raw = init.raw
    this.source = init.source
  }

  get size(): number {
    return this.raw.length
  }

  /** A descriptor that points at this ref, with its own media type (an index is never described as an image). */
  get descriptor(): Descriptor {
    return { mediaType: this.mediaType, digest: this.digest, size: this.size }
  }
}

export class Image extends RefBase {
  readonly kind = 'image'
  readonly manifest: ImageManifest

  constructor(init: RefInit, manifest: ImageManifest) {
    super(init)
    this.manifest = manifest
  }

  /** The config and layers, each digest once. */
  get blobs(): Descriptor[] {
    return uniqueByDigest([this.manifest.config, ...this.manifest.layers])
  }
}

export class Index extends RefBase {
  readonly kind = 'index'
  readonly manifest: ImageIndex
  /** Children whose media type is a manifest or index we understand. */
  readonly children: Descriptor[]
  /** Children with any other media type: skipped, as the image-spec says they MUST NOT be an error. */
  readonly skipped: Descriptor[]
  readonly #loaded = new Map<string, Promise<Ref>>()

  constructor(init: RefInit, manifest: ImageIndex) {
    super(init)
    this.manifest = manifest
    this.children = manifest.manifests.filter((d) => manifestKind(d.mediaType) !== undefined)
    this.skipped = manifest.manifests.filter((d) => manifestKind(d.mediaType) === undefined)
  }

  /** Reads (once) and verifies the child a descriptor of this index points at. */
  child(descriptor: Descriptor): Promise<Ref> {
    let ref = this.#loaded.get(descriptor.digest)
    if (ref === undefined) {
      ref = readRef(this.source, descriptor)
      this.#loaded.set(descriptor.digest, ref)
    }
    return ref
  }
}

export type Ref = Image | Index

/** Reads the manifest a descriptor points at from a source (which verifies it: see ContentSource) and makes a Ref of it. */
export async function readRef(source: ContentSource, descriptor: Descriptor): Promise<Ref> {
  return newRef(await source.readManifest(descriptor), descriptor, source)
}

/**
 * Makes a Ref from manifest bytes from elsewhere. The bytes are checked against the descriptor's
 * size and digest, so a Ref never holds content other than what its digest names.
 */
export function makeRef(raw: Buffer, descriptor: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>, source: ContentSource): Ref {
  verifyBytes(raw, descriptor, `manifest ${descriptor.digest} in ${source.location}`)
  return newRef(raw, descriptor, source)
}

/** A Ref named by the digest of its own bytes: nothing to check them against (a manifest fetched by tag alone). */
export function refOfBytes(raw: Buffer, mediaType: string, source: ContentSource): Ref {
  return newRef(raw, { mediaType, digest: computeDigest(raw), size: raw.length }, source)
}

/** A Ref of bytes already verified against the descriptor. */
function newRef(raw: Buffer, descriptor: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>, source: ContentSource): Ref {
  const where = `manifest ${descriptor.digest} in ${source.location}`
  const init = { digest: descriptor.digest, mediaType: descriptor.mediaType, raw, source }
  const parsed = parseManifest(raw, descriptor.mediaType, where)
  return parsed.kind === 'image' ? new Image(init, parsed.manifest) : new Index(init, parsed.manifest)
}

/**
 * Visits a ref and every ref below it, each digest once, parents before children.
 * Fails on a cycle or on nesting deeper than MAX_INDEX_DEPTH.
 */
export async function walkRefs(root: Ref, visit: (ref: Ref) => void | Promise<void>): Promise<void> {
  const seen = new Set<string>()
  const walk = async (ref: Ref, path: string[]): Promise<void> => {
    if (path.includes(ref.digest)) throw new ManifestError(`index cycle: ${[...path, ref.digest].join(' -> ')}`)
    if (path.length > MAX_INDEX_DEPTH) {
      throw new ManifestError(`indexes nested more than ${MAX_INDEX_DEPTH} deep: ${[...path, ref.digest].join(' -> ')}`)
    }
    if (seen.has(ref.digest)) return
    seen.add(ref.digest)
    await visit(ref)
    if (ref.kind === 'index') {
      const children = await Promise.all(ref.children.map((d) => ref.child(d)))
      for (const child of children) await walk(child, [...path, ref.digest])
    }
  }
  await walk(root, [])
}

function uniqueByDigest(descriptors: Descriptor[]): Descriptor[] {
  const byDigest = new Map<string, Descriptor>()
  for (const d of descriptors) if (!byDigest.has(d.digest)) byDigest.set(d.digest, d)
  return [...byDigest.values()]
}
