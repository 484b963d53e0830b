// The layouts the benchmark serves, built with the project's own fixture builder
// (deterministic, incompressible layer content) into the run's temp dir.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildFixtureLayout, type FixtureOptions } from '../../src/testing/index.ts'

/** One image of a layout, with what the measurements need to address it. */
export interface BenchImage {
  layoutDir: string
  repository: string
  tag: string
  manifestDigest: string
  manifestMediaType: string
  /** The (single) layer: the blob the throughput and memory sections download. */
  layerDigest: string
  layerSize: number
}

export async function buildImage(dir: string, repository: string, options: FixtureOptions): Promise<BenchImage> {
  const result = await buildFixtureLayout(dir, { ...options, refName: 'latest' })
  const manifest = JSON.parse(await readFile(blobPath(dir, result.digest), 'utf8')) as { layers: { digest: string; size: number }[] }
  const layer = manifest.layers[0]
  if (layer === undefined) throw new Error(`fixture layout "${dir}" has no layer`)
  return {
    layoutDir: dir,
    repository,
    tag: 'latest',
    manifestDigest: result.digest,
    manifestMediaType: result.mediaType,
    layerDigest: layer.digest,
    layerSize: layer.size,
  }
}

/** `DIR/blobs/ALG/HEX` for a digest `ALG:HEX`. */
export function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  if (algorithm === undefined || hex === undefined) throw new Error(`not a digest: ${JSON.stringify(digest)}`)
  return join(layoutDir, 'blobs', algorithm, hex)
}

/** The Accept header a registry client sends for a manifest GET/HEAD by tag. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ')
