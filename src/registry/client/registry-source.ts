// A repository of a registry as a ContentSource: what Index.child() and writeLayout read
// nested manifests and blobs through. Manifests are fetched by digest and must have exactly
// the descriptor's size and digest; blobs stream through the resumable, verifying reader.

import { Readable } from 'node:stream'
import { type Descriptor, embeddedData } from '../../oci/descriptor.ts'
import { MAX_MANIFEST_BYTES } from '../../oci/manifest.ts'
import { MANIFEST_MEDIA_TYPES } from '../../oci/media-types.ts'
import type { ContentSource } from '../../oci/ref.ts'
import { verifyBytes } from '../../oci/verify.ts'
import { ContentMismatchError, ResponseTooLargeError } from '../../errors.ts'
import { pullScope } from './auth.ts'
import { BODY_BUFFER_BYTES, openResumableBlob } from './blob-reader.ts'
import { redactUrl } from './redact.ts'
import { readLimited, type Response, type Transport } from './transport.ts'

export interface FetchedManifest {
  bytes: Buffer
  /** Content-Type without parameters, if the registry sent one. */
  contentType: string | undefined
  /** The registry's Docker-Content-Digest header, if any. */
  headerDigest: string | undefined
}

export class RegistrySource implements ContentSource {
  /** `scheme://host/repository`, redacted. */
  readonly location: string
  readonly #transport: Transport
  readonly #base: URL
  readonly #repository: string
  readonly #scope: string

  constructor(transport: Transport, baseUrl: string, repository: string) {
    this.#transport = transport
    this.#base = new URL(baseUrl)
    this.#repository = repository
    this.#scope = pullScope(repository)
    this.location = `${redactUrl(this.#base).replace(/\/$/, '')}/${repository}`
  }

  /**
   * GETs a manifest by tag or digest, at most MAX_MANIFEST_BYTES (or, when a descriptor is
   * expected, its exact size). The bytes are not verified here: makeRef / verifyBytes do that.
   */
  async fetchManifest(reference: string, expected?: Pick<Descriptor, 'digest' | 'size'>): Promise<FetchedManifest> {
    const what = `manifest ${reference} from ${this.location}`
    if (expected !== undefined && expected.size > MAX_MANIFEST_BYTES) {
      throw new ResponseTooLargeError(
        `${what}: its descriptor says ${expected.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit for manifests`,
        MAX_MANIFEST_BYTES,
      )
    }
    const url = this.#url('manifests', reference)
    const headers = { accept: MANIFEST_MEDIA_TYPES.join(', ') }
    return this.#transport.get(url, { headers, scope: this.#scope }, async (response) => {
      const bytes = await readManifestBody(response, what, expected?.size)
      const contentType = header(response, 'content-type')?.split(';')[0]?.trim().toLowerCase()
      return { bytes, contentType: contentType || undefined, headerDigest: header(response, 'docker-content-digest')?.trim() }
    })
  }

  async readManifest(descriptor: Descriptor): Promise<Buffer> {
    const bytes = embeddedData(descriptor) ?? (await this.fetchManifest(descriptor.digest, descriptor)).bytes
    verifyBytes(bytes, descriptor, `manifest ${descriptor.digest} from ${this.location}`)
    return bytes
  }

  async openBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<Readable> {
    const embedded = embeddedData(descriptor)
    if (embedded !== undefined) return Readable.from([embedded])
    const url = this.#url('blobs', descriptor.digest)
    const combined = this.#transport.signal(signal)
    const request = (offset: number, attemptSignal: AbortSignal): Promise<Response> =>
      this.#transport.get(
        url,
        {
          scope: this.#scope,
          signal: attemptSignal,
          ok: [200, 206],
          headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
          highWaterMark: BODY_BUFFER_BYTES,
        },
        async (r) => r,
      )
    return openResumableBlob(request, descriptor, {
      where: `blob ${descriptor.digest} from ${this.location}`,
      signal: combined,
      retry: this.#transport.retryContext(combined),
    })
  }

  #url(kind: 'manifests' | 'blobs', reference: string): URL {
    return new URL(`/v2/${this.#repository}/${kind}/${reference}`, this.#base)
  }
}

async function readManifestBody(response: Response, what: string, expectedSize: number | undefined): Promise<Buffer> {
  if (expectedSize === undefined) return readLimited(response, MAX_MANIFEST_BYTES, what)
  try {
    return await readLimited(response, expectedSize, what)
  } catch (error) {
    if (error instanceof ResponseTooLargeError) throw new ContentMismatchError(`${what}: more than the descriptor's ${expectedSize} bytes`)
    throw error
  }
}

function header(response: Response, name: string): string | undefined {
  const value = response.headers[name]
  return Array.isArray(value) ? value[0] : value
}
