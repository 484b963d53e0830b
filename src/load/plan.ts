// From "serve this layout as repository[:tag]" requests (manifest entries, --image options, API
// images) to placements, the refs the registry is to serve where: each layout directory is read
// once. Which image a repository:tag ends up with is the Registry's business (Registry.place).

import { realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Layout, type LayoutEntry, readLayout, selectEntry } from '../oci/layout.ts'
import type { Placement } from '../content/registry.ts'
import { LayoutError } from '../errors.ts'
import { isValidTag } from '../oci/names.ts'

export interface ImageRequest {
  repository: string
  /**
   * The tag. `''` serves by digest only (every entry of the layout, or the `refName` one).
   * `undefined` tags each index.json entry with its ref name (entries without one: digest only).
   * A tag on a layout with several entries picks the entry whose ref name is that tag.
   */
  tag: string | undefined
  /** The layout directory (a real filesystem path). */
  layout: string
  /** Serve only the index.json entry with this `org.opencontainers.image.ref.name`. */
  refName?: string | undefined
  /** Where the request comes from, for messages: `/x/m.prototxt:3`, `--image app=dir`. */
  source: string
}

/** Reads layouts once per real directory; concurrent asks for the same directory share one read. */
export class LayoutCache {
  readonly #layouts = new Map<string, Promise<Layout>>()

  async get(dir: string): Promise<Layout> {
    const real = realPath(resolve(dir))
    let layout = this.#layouts.get(real)
    if (layout === undefined) {
      layout = readLayout(real)
      this.#layouts.set(real, layout)
      // A failed read is not cached: the directory may be fixed before the next ask.
      layout.catch(() => this.#layouts.delete(real))
    }
    return layout
  }
}

/** The real path (synchronous for the reason layout-store.ts gives), or the path itself when it has none: readLayout reports why. */
function realPath(path: string): string {
  try {
    return realpathSync.native(path)
  } catch {
    return path
  }
}

/**
 * Reads every request's layout, in order, and works out what is served where. Fails on the first
 * bad request. Reads are synchronous (layout-store.ts says why), so reading several layouts at
 * once would gain nothing. Names are checked where requests are made (the manifest parser,
 * Loader's --image/API requests) and again by Registry.place.
 */
export async function planImages(requests: readonly ImageRequest[], cache: LayoutCache): Promise<Placement[]> {
  const placements: Placement[] = []
  for (const request of requests) {
    try {
      placements.push(...place(request, await cache.get(request.layout)))
    } catch (error) {
      throw withSource(error, request.source)
    }
  }
  return placements
}

function withSource(error: unknown, source: string): unknown {
  if (!(error instanceof Error) || error.message.startsWith(source)) return error
  error.message = `${source}: ${error.message}`
  return error
}

/** The tag a ref name stands for: the name itself, or the tag of a full reference (`docker.io/x:1.0` → `1.0`). */
export function tagFromRefName(refName: string): string | undefined {
  if (isValidTag(refName)) return refName
  const colon = refName.lastIndexOf(':')
  if (colon < 0 || refName.lastIndexOf('/') > colon || refName.includes('@')) return undefined
  const tag = refName.slice(colon + 1)
  return isValidTag(tag) ? tag : undefined
}

function place(request: ImageRequest, layout: Layout): Placement[] {
  const at = (entry: LayoutEntry, tag: string | undefined): Placement => ({
    repository: request.repository,
    tag,
    ref: entry.ref,
    layout: layout.dir,
    source: request.source,
  })
  const { tag, refName } = request
  if (refName !== undefined) {
    const entry = selectEntry(layout, refName)
    if (tag !== undefined) return [at(entry, tag === '' ? undefined : tag)]
    return [at(entry, derivedTag(layout, entry))]
  }
  if (tag === '') return layout.entries.map((e) => at(e, undefined))
  if (tag !== undefined) return [at(selectByTag(layout, tag), tag)]
  return layout.entries.map((e) => at(e, derivedTag(layout, e)))
}

function selectByTag(layout: Layout, tag: string): LayoutEntry {
  const [only] = layout.entries
  if (layout.entries.length === 1 && only !== undefined) return only
  const matching = layout.entries.filter((e) => e.refName !== undefined && (e.refName === tag || tagFromRefName(e.refName) === tag))
  const [match] = matching
  if (matching.length === 1 && match !== undefined) return match
  throw new LayoutError(
    `OCI layout ${layout.dir} has ${layout.entries.length} index.json entries and ${matching.length === 0 ? 'none' : matching.length} with ref name ${JSON.stringify(tag)}` +
      ` (ref names: ${refNames(layout)}); name the entry with its ref name, or give no tag to serve every entry under its ref name`,
  )
}

function derivedTag(layout: Layout, entry: LayoutEntry): string | undefined {
  if (entry.refName === undefined) return undefined
  const tag = tagFromRefName(entry.refName)
  if (tag === undefined) {
    throw new LayoutError(
      `OCI layout ${layout.dir}: ref name ${JSON.stringify(entry.refName)} of ${entry.descriptor.digest} is not usable as a tag; give a tag explicitly`,
    )
  }
  return tag
}

function refNames(layout: Layout): string {
  const names = layout.entries.map((e) => e.refName).filter((n) => n !== undefined)
  return names.length === 0 ? 'none' : names.map((n) => JSON.stringify(n)).join(', ')
}
