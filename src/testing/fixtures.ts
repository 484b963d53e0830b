// Builds OCI image layouts for tests, the demo and benchmarks. Every kind of layout the
// runtime must understand has a builder here; content is deterministic (same options, same digests).

import { gzipSync } from 'node:zlib'
import { type Descriptor, type Platform } from '../oci/descriptor.ts'
import { computeDigest } from '../oci/digest.ts'
import { LayoutWriter } from '../oci/layout-writer.ts'
import * as mt from '../oci/media-types.ts'
import { collect, tarLayerStream } from './content.ts'

export type FixtureKind = 'image' | 'index' | 'nested' | 'docker' | 'rules-oci' | 'many-layers' | 'large' | 'referrer'

export const FIXTURE_KINDS: readonly FixtureKind[] = ['image', 'index', 'nested', 'docker', 'rules-oci', 'many-layers', 'large', 'referrer']

export interface FixtureOptions {
  kind: FixtureKind
  /** Seeds all content: two fixtures with different names share no blobs. Default "fixture". */
  name?: string
  /** Bytes of the file in each layer (default 1 KiB; for "large", 64 MiB). */
  layerSize?: number
  /** Layers per image (default 1; for "many-layers", 20). */
  layerCount?: number
  /** The org.opencontainers.image.ref.name of the index.json entry (default "latest"). */
  refName?: string
}

export interface FixtureResult {
  dir: string
  /** Digest and media type of the index.json entry (for "referrer": the image the artifact refers to). */
  digest: string
  mediaType: string
}

const AMD64: Platform = { architecture: 'amd64', os: 'linux' }
const ARM64: Platform = { architecture: 'arm64', os: 'linux', variant: 'v8' }

/** Writes a fixture layout to `dir` (which must not exist yet; it appears atomically). */
export async function buildFixtureLayout(dir: string, options: FixtureOptions): Promise<FixtureResult> {
  const writer = await LayoutWriter.open(dir)
  try {
    const builder = new FixtureBuilder(writer, options)
    const { entries, top } = await builder.build()
    // rules_oci's oci_image_index and skopeo write index.json with neither mediaType nor schemaVersion.
    await writer.commit(entries, { bareIndexJson: options.kind === 'rules-oci' })
    return { dir, digest: top.digest, mediaType: top.mediaType }
  } catch (error) {
    await writer.abort()
    throw error
  }
}

class FixtureBuilder {
  readonly #writer: LayoutWriter
  readonly #options: FixtureOptions
  readonly #name: string

  constructor(writer: LayoutWriter, options: FixtureOptions) {
    this.#writer = writer
    this.#options = options
    this.#name = options.name ?? 'fixture'
  }

  async build(): Promise<{ entries: Descriptor[]; top: Descriptor }> {
    const top = await this.#top()
    const refName = { [mt.REF_NAME_ANNOTATION]: this.#options.refName ?? 'latest' }
    if (this.#options.kind !== 'referrer') return { entries: [{ ...top, annotations: refName }], top }
    const artifact = await this.#artifactFor(top)
    return {
      entries: [
        { ...top, annotations: refName },
        { ...artifact, annotations: { [mt.REF_NAME_ANNOTATION]: 'sbom' } },
      ],
      top,
    }
  }

  #top(): Promise<Descriptor> {
    const kind = this.#options.kind
    const layers = this.#options.layerCount ?? (kind === 'many-layers' ? 20 : 1)
    const size = this.#options.layerSize ?? (kind === 'large' ? 64 * 1024 * 1024 : 1024)
    switch (kind) {
      case 'index':
        return this.#multiArch('index')
      case 'nested':
        return this.#nested()
      case 'docker':
        return this.#image('docker', AMD64, layers, size, true)
      default:
        return this.#image('image', AMD64, layers, size, false)
    }
  }

  async #nested(): Promise<Descriptor> {
    const inner = await this.#multiArch('inner')
    const s390x = await this.#image('s390x', { architecture: 's390x', os: 'linux' }, 1, 1024, false)
    return this.#index([inner, s390x], mt.OCI_INDEX)
  }

  async #multiArch(seed: string): Promise<Descriptor> {
    const amd64 = await this.#image(`${seed}-amd64`, AMD64, 1, 1024, false)
    const arm64 = await this.#image(`${seed}-arm64`, ARM64, 1, 1024, false)
    return this.#index([amd64, arm64], mt.OCI_INDEX)
  }

  async #index(children: Descriptor[], mediaType: string): Promise<Descriptor> {
    return this.#putJson({ schemaVersion: 2, mediaType, manifests: children }, mediaType)
  }

  async #image(seed: string, platform: Platform, layerCount: number, layerSize: number, docker: boolean): Promise<Descriptor> {
    const layers: Descriptor[] = []
    const diffIds: string[] = []
    for (let i = 0; i < layerCount; i++) {
      const layer = await this.#layer(`${this.#name}/${seed}/layer${i}`, layerSize, docker)
      layers.push(layer.descriptor)
      diffIds.push(layer.diffId)
    }
    const config = {
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant && { variant: platform.variant }),
      config: { Labels: { 'org.example.fixture': `${this.#name}/${seed}` } },
      rootfs: { type: 'layers', diff_ids: diffIds },
    }
    const configDescriptor = await this.#putJson(config, docker ? mt.DOCKER_CONFIG : mt.OCI_CONFIG)
    const mediaType = docker ? mt.DOCKER_MANIFEST : mt.OCI_MANIFEST
    const manifest = { schemaVersion: 2, mediaType, config: configDescriptor, layers }
    return { ...(await this.#putJson(manifest, mediaType)), platform }
  }

  async #layer(seed: string, size: number, gzip: boolean): Promise<{ descriptor: Descriptor; diffId: string }> {
    if (!gzip) {
      // Uncompressed tar: the layer digest is its diff ID. Streamed, so a 1 GiB layer never sits in memory.
      const { digest, size: bytes } = await this.#writer.writeStream(tarLayerStream(seed, size))
      return { descriptor: { mediaType: mt.OCI_LAYER, digest, size: bytes }, diffId: digest }
    }
    const tar = await collect(tarLayerStream(seed, size))
    const { digest, size: bytes } = await this.#writer.writeBytes(gzipSync(tar))
    return { descriptor: { mediaType: mt.DOCKER_LAYER_GZIP, digest, size: bytes }, diffId: computeDigest(tar) }
  }

  /** An OCI 1.1 artifact (an "SBOM") whose subject is the given manifest, for the referrers API. */
  async #artifactFor(subject: Descriptor): Promise<Descriptor> {
    const empty = await this.#writer.writeBytes(Buffer.from('{}'))
    const sbom = await this.#writer.writeBytes(Buffer.from(`sbom of ${this.#name}\n`))
    const artifactType = 'application/vnd.example.sbom.v1+json'
    const manifest = {
      schemaVersion: 2,
      mediaType: mt.OCI_MANIFEST,
      artifactType,
      config: { mediaType: mt.OCI_EMPTY, ...empty },
      layers: [{ mediaType: 'text/plain', ...sbom }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { 'org.example.kind': 'sbom' },
    }
    return { ...(await this.#putJson(manifest, mt.OCI_MANIFEST)), artifactType }
  }

  async #putJson(value: unknown, mediaType: string): Promise<Descriptor> {
    const { digest, size } = await this.#writer.writeBytes(Buffer.from(JSON.stringify(value)))
    return { mediaType, digest, size }
  }
}
