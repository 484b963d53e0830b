// What to serve, as the user names it (Bazel manifests, whose paths are runfiles paths, and
// layout directories), turned into load requests and planned (plan.ts) with one layout cache.

import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { ManifestImage } from '../manifest/index.ts'
import type { RunfilesResolver } from '../runfiles/index.ts'
import { RunfilesError } from '../errors.ts'
import { checkRepository, checkTag } from '../oci/names.ts'
import type { Placement } from '../content/registry.ts'
import { type ImageRequest, LayoutCache, planImages } from './plan.ts'

/** An OCI layout directory to serve. */
export interface ImageOption {
  repository: string
  /**
   * `'latest'`: serve under that tag (on a layout with several index.json entries, the entry
   * whose ref name is that tag). `''`: by digest only. Omitted: each entry under its
   * `org.opencontainers.image.ref.name` (entries without one: by digest only).
   */
  tag?: string
  /** The layout directory: a filesystem path, or else a runfiles (rlocation) path. */
  layout: string
  /** Serve only the index.json entry with this ref name (tagged with it, unless `tag` is given). */
  refName?: string
  /** Names this image in error messages (default `images[i] (repository:tag=layout)`). */
  source?: string
}

/** Turns manifests and image options into load requests and reads them, sharing one layout cache. */
export class Loader {
  readonly #cache = new LayoutCache()
  readonly #runfiles: string | undefined
  readonly #near: readonly string[]
  #resolver: RunfilesResolver | undefined
  #count = 0

  constructor(runfiles: string | undefined, near: readonly string[]) {
    this.#runfiles = runfiles
    this.#near = near
  }

  /**
   * Discovered on first use, and its module imported then (as the manifest parser's is), so that
   * images given as plain directories never load runfiles code.
   */
  async #runfilesResolver(): Promise<RunfilesResolver> {
    if (this.#resolver === undefined) {
      const { RunfilesResolver } = await import('../runfiles/index.ts')
      this.#resolver ??= RunfilesResolver.discover({ runfiles: this.#runfiles }, this.#near)
    }
    return this.#resolver
  }

  async load(manifests: readonly string[], images: readonly ImageOption[]): Promise<Placement[]> {
    if (this.#runfiles !== undefined) await this.#runfilesResolver() // a bad --runfiles fails even when nothing needs it
    const fromManifests = manifests.length === 0 ? [] : await readManifests(manifests)
    const requests: ImageRequest[] = []
    if (fromManifests.length > 0) {
      const resolver = await this.#runfilesResolver()
      requests.push(...fromManifests.map((image) => manifestRequest(image, resolver)))
    }
    for (const image of images) requests.push(await this.#imageRequest(image))
    return planImages(requests, this.#cache)
  }

  async #imageRequest(image: ImageOption): Promise<ImageRequest> {
    const i = this.#count++
    const name = `${image.repository}${image.tag === undefined || image.tag === '' ? '' : `:${image.tag}`}`
    const source = image.source ?? `images[${i}] (${name}=${image.layout})`
    checkNames(image, source)
    return { repository: image.repository, tag: image.tag, layout: await this.#layoutPath(image.layout, source), refName: image.refName, source }
  }

  /** A filesystem path when it exists (or is absolute), else a runfiles path. */
  async #layoutPath(layout: string, source: string): Promise<string> {
    if (isAbsolute(layout) || existsSync(layout)) return resolve(layout)
    const result = (await this.#runfilesResolver()).tryRlocation(layout)
    if ('found' in result) return result.found
    throw new RunfilesError(`${source}: ${resolve(layout)} does not exist, and "${layout}" as a runfiles path does not resolve: ${result.looked}`)
  }
}

/** A manifest's image: its path is a runfiles path. */
function manifestRequest(image: ManifestImage, resolver: RunfilesResolver): ImageRequest {
  const name = image.tag === '' ? `${image.repository} (digest-only)` : `${image.repository}:${image.tag}`
  const source = `${image.file}:${image.line}`
  const layout = resolver.rlocation(image.path, `image ${name} (${source})`)
  return { repository: image.repository, tag: image.tag, layout, source }
}

/** --image and API names (a manifest's are checked by its parser), before any layout is looked for. */
function checkNames(image: ImageOption, source: string): void {
  checkRepository(image.repository, source)
  if (image.tag !== undefined && image.tag !== '') checkTag(image.tag, source)
}

/** The manifest parser is imported only when there are manifests: `--image` alone never pays for it. */
async function readManifests(files: readonly string[]): Promise<ManifestImage[]> {
  const { readBazelManifest } = await import('../manifest/index.ts')
  return (await Promise.all(files.map((m) => readBazelManifest(m)))).flat()
}
