// The layouts the benchmark serves, built with the project's own fixture builder
// (deterministic, incompressible layer content) into the run's temp dir.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Descriptor } from '../../src/oci/descriptor.ts'
import { LayoutWriter } from '../../src/oci/layout-writer.ts'
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, REF_NAME_ANNOTATION } from '../../src/oci/media-types.ts'
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

/**
 * A layout whose `latest` is an index of `platforms` one-layer images (linux on made-up
 * architectures `arch0`, `arch1`, ...), each layer `layerSize` bytes of its own.
 */
export async function buildIndex(dir: string, repository: string, platforms: number, layerSize: number): Promise<BenchImage> {
  const writer = await LayoutWriter.open(dir)
  try {
    const json = async (value: object, mediaType: string): Promise<Descriptor> => ({
      mediaType,
      ...(await writer.writeBytes(Buffer.from(JSON.stringify(value)))),
    })
    const manifests: Descriptor[] = []
    for (let i = 0; i < platforms; i++) {
      const platform = { os: 'linux', architecture: `arch${i}` }
      const layer: Descriptor = { mediaType: OCI_LAYER, ...(await writer.writeBytes(Buffer.alloc(layerSize, `${dir} layer ${i}\n`))) }
      const config = await json({ ...platform, rootfs: { type: 'layers', diff_ids: [layer.digest] } }, OCI_CONFIG)
      manifests.push({ ...(await json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }, OCI_MANIFEST)), platform })
    }
    const index = await json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }, OCI_INDEX)
    await writer.commit([{ ...index, annotations: { [REF_NAME_ANNOTATION]: 'latest' } }])
    const first = manifests[0]!
    const layer = (JSON.parse(await readFile(blobPath(dir, first.digest), 'utf8')) as { layers: Descriptor[] }).layers[0]!
    return {
      layoutDir: dir,
      repository,
      tag: 'latest',
      manifestDigest: index.digest,
      manifestMediaType: OCI_INDEX,
      layerDigest: layer.digest,
      layerSize: layer.size,
    }
  } catch (error) {
    await writer.abort()
    throw error
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
