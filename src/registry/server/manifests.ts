// GET and HEAD /v2/<name>/manifests/<tag or digest>: the hot path of every pull. A manifest's
// response (headers and body) is prepared on its first request and kept, so a hit is a map
// lookup or two and one write.

import type { Registry } from '../../content/registry.ts'
import type { Ref } from '../../oci/ref.ts'
import { type Exchange, responseHeaders } from './exchange.ts'
import { select } from './ranges.ts'
import { preconditionFailed, unknownManifest, unknownRepository } from './rejections.ts'

/** A string chunk is copied on every write, a Buffer is not: past this size the copy costs more than the chunk saved. */
const STRING_BODY_MAX = 16 * 1024

/** A manifest's response, computed once, so serving it allocates nothing. */
interface PreparedManifest {
  readonly digest: string
  readonly body: Buffer
  /**
   * The body as a latin1 string (one character per byte, so exactly the bytes of `body`) when
   * it is at most STRING_BODY_MAX bytes, else undefined. node:http joins a string body to the
   * header string and sends one chunk; a Buffer body is queued as a chunk of its own behind the
   * header, which costs more per request (BENCHMARKS.md, "Manifests"). A large string would be
   * copied on every write; a Buffer is not.
   */
  readonly latin1Body: string | undefined
  /** Flat [name, value, ...] headers of a 200 (GET or HEAD) response. */
  readonly headers: string[]
  /** Flat headers of a 304 response: no Content-Type or Content-Length. */
  readonly notModifiedHeaders: string[]
  /** The ETag, `"<digest>"`. */
  readonly etag: string
}

/** The manifests endpoint of one handler, with the prepared responses of the manifests served so far (kept as long as their refs). */
export class Manifests {
  readonly #registry: Registry
  readonly #prepared = new WeakMap<Ref, PreparedManifest>()

  constructor(registry: Registry) {
    this.#registry = registry
  }

  /** Answers GET or HEAD of `reference` (a tag or digest) in repository `name`, or throws what the miss is answered with. */
  answer(exchange: Exchange, name: string, reference: string): void {
    const repo = this.#registry.repository(name)
    const found = repo?.manifest(reference)
    if (found !== undefined) return serveManifest(exchange, this.#prepare(found))
    if (repo === undefined) throw unknownRepository(name)
    throw unknownManifest(name, reference)
  }

  #prepare(ref: Ref): PreparedManifest {
    let prepared = this.#prepared.get(ref)
    if (prepared === undefined) {
      prepared = prepare(ref)
      this.#prepared.set(ref, prepared)
    }
    return prepared
  }
}

function prepare(ref: Ref): PreparedManifest {
  const etag = `"${ref.digest}"`
  const notModifiedHeaders = responseHeaders('Docker-Content-Digest', ref.digest, 'ETag', etag)
  return {
    digest: ref.digest,
    body: ref.raw,
    latin1Body: ref.raw.length <= STRING_BODY_MAX ? ref.raw.toString('latin1') : undefined,
    headers: [...notModifiedHeaders, 'Content-Type', ref.mediaType, 'Content-Length', String(ref.raw.length)],
    notModifiedHeaders,
    etag,
  }
}

function serveManifest(exchange: Exchange, m: PreparedManifest): void {
  // Manifests answer preconditions like blobs, and ignore Range (a client never needs part of one).
  const { req, res } = exchange
  const headers = req.headers
  if (headers['if-none-match'] !== undefined || headers['if-match'] !== undefined) {
    const selection = select({ 'if-match': headers['if-match'], 'if-none-match': headers['if-none-match'] }, m.etag, m.body.length)
    if (selection.kind === 'not-modified') {
      res.writeHead(304, m.notModifiedHeaders)
      res.end()
      return
    }
    if (selection.kind === 'precondition-failed') throw preconditionFailed(m.digest)
  }
  res.writeHead(200, m.headers)
  if (exchange.head) {
    res.end()
    return
  }
  if (m.latin1Body !== undefined) res.end(m.latin1Body, 'latin1')
  else res.end(m.body)
  exchange.bytes += m.body.length
}
