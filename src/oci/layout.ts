// Reading an OCI image layout directory. Loading verifies every manifest and index in the
// tree (size and digest) and checks that every blob exists with the right size (a stat);
// blob contents are never read here, so a 1 GiB layer loads as fast as a 1 KiB one. The small
// files (oci-layout, index.json, manifests) are read synchronously, for the reason layout-store.ts gives.

import { statSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import { type Descriptor } from './descriptor.ts'
import { MAX_MANIFEST_BYTES, parseIndex, parseJson } from './manifest.ts'
import { LayoutStore } from './layout-store.ts'
import { OCI_INDEX, OCI_LAYOUT_VERSION, REF_NAME_ANNOTATION, manifestKind } from './media-types.ts'
import { type Ref, readRef, walkRefs } from './ref.ts'
import { readRegularFile } from './regular-file.ts'
import { LayoutError, LocalRegistryError, messageOf } from '../errors.ts'

export interface LayoutEntry {
  /** The entry's descriptor in index.json, annotations and platform included. */
  descriptor: Descriptor
  /** Its `org.opencontainers.image.ref.name` annotation, if any. */
  refName: string | undefined
  ref: Ref
}

export interface Layout {
  dir: string
  store: LayoutStore
  entries: LayoutEntry[]
  /** Descriptors skipped anywhere in the tree because their media type is not a manifest we know. */
  skipped: Descriptor[]
}

/** Reads and verifies a layout; any problem is an error naming the directory, the file or digest, and what is wrong. */
export async function readLayout(dir: string): Promise<Layout> {
  try {
    return await load(dir)
  } catch (error) {
    if (error instanceof LocalRegistryError && error.message.includes(dir)) throw error
    const message = messageOf(error)
    throw new LayoutError(`failed to read OCI layout ${dir}: ${message}`, { cause: error })
  }
}

async function load(dir: string): Promise<Layout> {
  checkLayoutDir(dir)
  const store = new LayoutStore(dir)
  const index = readIndexJson(dir)
  const skipped = index.manifests.filter((d) => manifestKind(d.mediaType) === undefined)
  const known = index.manifests.filter((d) => manifestKind(d.mediaType) !== undefined)
  if (known.length === 0) throw new LayoutError(`${join(dir, 'index.json')} has no manifest of a known media type`)
  const entries: LayoutEntry[] = await Promise.all(
    known.map(async (descriptor) => ({
      descriptor,
      refName: descriptor.annotations?.[REF_NAME_ANNOTATION],
      ref: await readRef(store, descriptor),
    })),
  )
  const checked = new Set<string>()
  const seen = new Set<string>()
  for (const entry of entries) {
    await walkRefs(entry.ref, async (ref) => {
      if (seen.has(ref.digest)) return
      seen.add(ref.digest)
      if (ref.kind === 'index') skipped.push(...ref.skipped)
      else
        await checkBlobs(
          store,
          ref.blobs.filter((d) => !checked.has(d.digest)),
          checked,
        )
    })
  }
  return { dir, store, entries, skipped }
}

async function checkBlobs(store: LayoutStore, blobs: Descriptor[], checked: Set<string>): Promise<void> {
  await Promise.all(blobs.map((d) => store.checkBlob(d)))
  // An absent non-distributable layer is checked again where another image lists it: as a distributable layer it must be there.
  for (const d of blobs) if (!store.lacksBlob(d.digest)) checked.add(d.digest)
}

function checkLayoutDir(dir: string): void {
  const path = join(dir, 'oci-layout')
  const json = parseJson(readOciLayout(path, dir), path)
  if (json.imageLayoutVersion !== OCI_LAYOUT_VERSION) {
    throw new LayoutError(`${path}: imageLayoutVersion ${JSON.stringify(json.imageLayoutVersion)} is not supported (expected "${OCI_LAYOUT_VERSION}")`)
  }
}

/** The oci-layout file; the directory itself is looked at only when that read fails, to say what is wrong. */
function readOciLayout(path: string, dir: string): Buffer {
  try {
    return readLayoutFile(path)
  } catch (error) {
    if (error instanceof LayoutError) throw error
    const info = statOrUndefined(dir)
    if (info === undefined) throw new LayoutError(`OCI layout ${dir} does not exist`)
    if (!info.isDirectory()) throw new LayoutError(`OCI layout ${dir} is not a directory`)
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new LayoutError(`${path} is missing: ${dir} is not an OCI image layout`)
    throw new LayoutError(`${path} cannot be read: ${(error as Error).message}`, { cause: error })
  }
}

function readIndexJson(dir: string): { manifests: Descriptor[] } {
  const path = join(dir, 'index.json')
  const json = parseJson(readIndexJsonFile(path), path)
  // rules_oci and skopeo write index.json without mediaType or schemaVersion: both are optional here.
  if (json.mediaType !== undefined && json.mediaType !== OCI_INDEX) {
    throw new LayoutError(`${path}: mediaType ${JSON.stringify(json.mediaType)} is not "${OCI_INDEX}"`)
  }
  if (json.schemaVersion !== undefined && json.schemaVersion !== 2) {
    throw new LayoutError(`${path}: schemaVersion ${JSON.stringify(json.schemaVersion)} is not supported (expected 2)`)
  }
  const index = parseIndex(json, path)
  if (index.manifests.length === 0) throw new LayoutError(`${path} lists no manifests`)
  return index
}

function readIndexJsonFile(path: string): Buffer {
  try {
    return readLayoutFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new LayoutError(`${path} is missing`)
    throw error
  }
}

/** oci-layout and index.json: regular files of at most MAX_MANIFEST_BYTES (index.json lists descriptors, as an index does). */
function readLayoutFile(path: string): Buffer {
  return readRegularFile(path, MAX_MANIFEST_BYTES, (message) => new LayoutError(message))
}

/** A path's stat, or undefined when it cannot be had (missing, unreadable parent). */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

/**
 * Picks one entry: by ref name when given, otherwise the only entry.
 * The error lists the ref names there are, so the caller can pick one.
 */
export function selectEntry(layout: Layout, refName?: string): LayoutEntry {
  const names = layout.entries.map((e) => e.refName).filter((n) => n !== undefined)
  if (refName !== undefined) {
    const entry = layout.entries.find((e) => e.refName === refName)
    if (entry === undefined) {
      throw new LayoutError(
        `OCI layout ${layout.dir} has no entry named ${JSON.stringify(refName)} (ref names: ${names.length > 0 ? names.join(', ') : 'none'})`,
      )
    }
    return entry
  }
  const [only] = layout.entries
  if (layout.entries.length !== 1 || only === undefined) {
    throw new LayoutError(`OCI layout ${layout.dir} has ${layout.entries.length} entries; pick one by ref name (${names.join(', ') || 'none are named'})`)
  }
  return only
}
