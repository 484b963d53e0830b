// Descriptors (image-spec descriptor.md) and their validation. Every descriptor that
// comes from a file or a server passes through parseDescriptor before it is trusted.

import { computeDigest, parseDigest } from './digest.ts'
import { DigestError, ManifestError } from '../errors.ts'

export interface Platform {
  architecture: string
  os: string
  'os.version'?: string
  'os.features'?: string[]
  variant?: string
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  urls?: string[]
  annotations?: Record<string, string>
  data?: string
  platform?: Platform
  artifactType?: string
}

export type JsonObject = { [key: string]: unknown }

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Validates an untrusted JSON value as a descriptor; `where` names it in errors (e.g. `index.json manifests[2]`). */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isJsonObject(value)) throw new ManifestError(`${where}: a descriptor must be a JSON object`)
  const { mediaType, digest, size } = value
  if (typeof mediaType !== 'string' || mediaType === '') {
    throw new ManifestError(`${where}: descriptor has no mediaType`)
  }
  if (typeof digest !== 'string') throw new ManifestError(`${where}: descriptor has no digest`)
  try {
    parseDigest(digest)
  } catch (error) {
    if (error instanceof DigestError) throw new ManifestError(`${where}: ${error.message}`)
    throw error
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ManifestError(`${where}: descriptor size ${JSON.stringify(size)} is not a non-negative integer`)
  }
  const descriptor: Descriptor = { ...value, mediaType, digest, size }
  checkOptionalFields(descriptor, value, where)
  return descriptor
}

function checkOptionalFields(descriptor: Descriptor, value: JsonObject, where: string): void {
  if (value.annotations !== undefined && !isStringRecord(value.annotations)) {
    throw new ManifestError(`${where}: descriptor annotations must map strings to strings`)
  }
  if (value.data !== undefined && typeof value.data !== 'string') {
    throw new ManifestError(`${where}: descriptor data must be a base64 string`)
  }
  if (value.platform !== undefined) {
    const platform = value.platform
    if (!isJsonObject(platform) || typeof platform.architecture !== 'string' || typeof platform.os !== 'string') {
      throw new ManifestError(`${where}: descriptor platform needs string "architecture" and "os"`)
    }
  }
  if (descriptor.urls !== undefined && !(Array.isArray(descriptor.urls) && descriptor.urls.every((u) => typeof u === 'string'))) {
    throw new ManifestError(`${where}: descriptor urls must be an array of strings`)
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isJsonObject(value) && Object.values(value).every((v) => typeof v === 'string')
}

/**
 * The bytes embedded in a descriptor's `data` field, if present and matching its digest and size.
 * Data that does not match is ignored (never trusted), so the blob is read from storage instead.
 */
export function embeddedData(descriptor: Descriptor): Buffer | undefined {
  if (descriptor.data === undefined) return undefined
  const bytes = Buffer.from(descriptor.data, 'base64')
  if (bytes.length !== descriptor.size) return undefined
  const algorithm = parseDigest(descriptor.digest).algorithm
  return computeDigest(bytes, algorithm) === descriptor.digest ? bytes : undefined
}
