// Parsing of image manifests and indexes (image-spec manifest.md, image-index.md, and
// Docker's schema2 equivalents) from their raw bytes, checked against the descriptor
// that pointed at them: a manifest must be what its descriptor says it is.

import { type Descriptor, type JsonObject, isJsonObject, parseDescriptor } from './descriptor.ts'
import { type ManifestKind, manifestKind } from './media-types.ts'
import { ManifestError } from '../errors.ts'

export interface ImageManifest {
  schemaVersion: number
  mediaType?: string
  artifactType?: string
  config: Descriptor
  layers: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

export interface ImageIndex {
  schemaVersion?: number
  mediaType?: string
  artifactType?: string
  manifests: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

export type ParsedManifest = { kind: 'image'; manifest: ImageManifest } | { kind: 'index'; manifest: ImageIndex }

/** Largest manifest or index we read: 4 MiB, the size every registry must accept (distribution-spec). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

export function parseJson(bytes: Uint8Array, where: string): JsonObject {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) // a view, not a copy
  } catch (error) {
    throw new ManifestError(`${where} is not valid JSON: ${(error as Error).message}`)
  }
  if (!isJsonObject(value)) throw new ManifestError(`${where} must be a JSON object`)
  return value
}

/**
 * Parses manifest bytes that a descriptor with `mediaType` pointed at. Fails when the body
 * declares a different mediaType, or has the shape of the other kind of manifest.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string, where: string): ParsedManifest {
  const kind = manifestKind(mediaType)
  if (kind === undefined) throw new ManifestError(`${where}: ${JSON.stringify(mediaType)} is not a manifest media type`)
  const json = parseJson(bytes, where)
  if (json.mediaType !== undefined && json.mediaType !== mediaType) {
    throw new ManifestError(`${where}: its mediaType ${JSON.stringify(json.mediaType)} contradicts the descriptor's ${JSON.stringify(mediaType)}`)
  }
  checkShape(json, kind, where)
  return kind === 'image' ? { kind, manifest: parseImageManifest(json, where) } : { kind, manifest: parseIndex(json, where) }
}

function checkShape(json: JsonObject, kind: ManifestKind, where: string): void {
  const looksLikeIndex = 'manifests' in json
  const looksLikeImage = 'config' in json || 'layers' in json
  if ((kind === 'image' && looksLikeIndex) || (kind === 'index' && looksLikeImage)) {
    throw new ManifestError(
      `${where}: the descriptor says ${kind === 'image' ? 'image manifest' : 'index'}, but the content is ${looksLikeIndex ? 'an index' : 'an image manifest'}`,
    )
  }
  if (json.schemaVersion !== undefined && json.schemaVersion !== 2) {
    throw new ManifestError(`${where}: schemaVersion ${JSON.stringify(json.schemaVersion)} is not supported (expected 2)`)
  }
}

function parseImageManifest(json: JsonObject, where: string): ImageManifest {
  if (json.schemaVersion !== 2) throw new ManifestError(`${where}: an image manifest needs "schemaVersion": 2`)
  if (!Array.isArray(json.layers)) throw new ManifestError(`${where}: an image manifest needs a "layers" array`)
  return {
    ...json,
    schemaVersion: 2,
    config: parseDescriptor(json.config, `${where} config`),
    layers: json.layers.map((layer, i) => parseDescriptor(layer, `${where} layers[${i}]`)),
    ...optionalSubject(json, where),
  }
}

/** Parses an index; `index.json` of a layout goes through here too, so schemaVersion and mediaType are optional. */
export function parseIndex(json: JsonObject, where: string): ImageIndex {
  if (!Array.isArray(json.manifests)) throw new ManifestError(`${where}: an index needs a "manifests" array`)
  return {
    ...json,
    manifests: json.manifests.map((entry, i) => parseDescriptor(entry, `${where} manifests[${i}]`)),
    ...optionalSubject(json, where),
  }
}

function optionalSubject(json: JsonObject, where: string): { subject?: Descriptor } {
  return json.subject === undefined ? {} : { subject: parseDescriptor(json.subject, `${where} subject`) }
}
