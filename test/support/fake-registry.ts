// A minimal read-only OCI Distribution server for the client's tests, serving one layout as
// one repository, with faults to inject: first requests failing, redirects to another
// origin, token auth, blob bodies cut mid-way, Range ignored, corrupted bytes. Every
// request is recorded so tests can count them. Test-only: not part of the runtime.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { readLayout } from '../../src/oci/layout.ts'
import { walkRefs } from '../../src/oci/ref.ts'

export interface RecordedRequest {
  method: string
  /** Path and query. */
  url: string
  headers: IncomingHttpHeaders
}

export interface Override {
  status: number
  headers?: Record<string, string>
  body?: string | Buffer
}

export interface FakeRegistryOptions {
  /** The layout to serve; its ref names are the tags. Without one, only faults and overrides answer. */
  layoutDir?: string
  repository?: string
  /** The first request of every path (blobs, manifests, token) answers this. */
  failFirst?: Override
  /** Every /v2/<repo>/ request is redirected (307) to this origin, with a secret query appended. */
  redirectTo?: string
  /** Requests to /v2/ need `Bearer <token>`; the token endpoint is /token on this server. */
  bearer?: { service: string; token: string; credentials?: { username: string; password: string }; expiresIn?: number; realm?: string }
  /** Requests to /v2/ need these Basic credentials. */
  basic?: { username: string; password: string }
  /** The first response of every blob path longer than this sends only this many bytes, then the connection ends. */
  cutBlobsAt?: number
  /** Cut every response of a blob path after cutBlobsAt bytes of its body, not only the first. */
  cutEveryBlobResponse?: boolean
  /** Called when a connection cut by cutBlobsAt has closed (the client has seen the break). */
  onCutClosed?: () => void
  /** The first response of every blob path longer than this sends this many bytes (with its headers, in one write), then nothing more. */
  stallBlobsAt?: number
  /** Answer 200 with the whole blob even when a Range is asked for. */
  ignoreRange?: boolean
  /** Answer ranged requests with this Content-Range instead of the right one. */
  badContentRange?: string
  /** Flip a byte of every blob. */
  corruptBlobs?: boolean
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  tls?: { cert: string; key: string }
  /** The address to listen on. Default 127.0.0.1. */
  listenHost?: string
  /** Answers a request instead of everything else when it returns something; `count` is how often this path was asked for. */
  override?: (request: RecordedRequest, count: number) => Override | undefined
}

export interface FakeRegistry extends AsyncDisposable {
  readonly url: string
  /** `HOST:PORT` (HOST: listenHost). */
  readonly host: string
  readonly requests: RecordedRequest[]
  /** Requests whose path (without query) starts with `prefix`. */
  requestsTo(prefix: string): RecordedRequest[]
  close(): Promise<void>
}

interface Content {
  manifests: Map<string, { bytes: Buffer; mediaType: string }>
  tags: Map<string, string>
  blobs: Map<string, string>
}

export async function startFakeRegistry(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const content = options.layoutDir === undefined ? emptyContent() : await loadContent(options.layoutDir)
  const requests: RecordedRequest[] = []
  const counts = new Map<string, number>()
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const recorded: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }
    requests.push(recorded)
    const path = new URL(recorded.url, 'http://x').pathname
    const count = (counts.get(path) ?? 0) + 1
    counts.set(path, count)
    handle(req, res, { options, content, recorded, path, count, origin: registry.url }).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)))
    })
  }
  const server = options.tls === undefined ? createServer(listener) : createHttpsServer(options.tls, listener)
  const listenHost = options.listenHost ?? '127.0.0.1'
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve))
  const { port } = server.address() as AddressInfo
  const close = async (): Promise<void> => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  const registry: FakeRegistry = {
    url: `${options.tls === undefined ? 'http' : 'https'}://${listenHost}:${port}`,
    host: `${listenHost}:${port}`,
    requests,
    requestsTo: (prefix) => requests.filter((r) => new URL(r.url, 'http://x').pathname.startsWith(prefix)),
    close,
    [Symbol.asyncDispose]: close,
  }
  return registry
}

interface Context {
  options: FakeRegistryOptions
  content: Content
  recorded: RecordedRequest
  path: string
  count: number
  origin: string
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const { options, path } = ctx
  const override = options.override?.(ctx.recorded, ctx.count)
  if (override !== undefined) return send(res, override)
  if (options.failFirst !== undefined && ctx.count === 1) return send(res, options.failFirst)
  if (path === '/token' && options.bearer !== undefined) return token(req, res, ctx)
  if (!path.startsWith('/v2/')) return send(res, notFound('NOT_FOUND'))
  if (!authorized(req, res, ctx)) return
  if (options.redirectTo !== undefined && path !== '/v2/') {
    return send(res, { status: 307, headers: { location: `${options.redirectTo}${path}?X-Signature=s3cr3t-signature&scope=repository%3Ax%3Apull` } })
  }
  if (path === '/v2/') return send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' })
  const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path)
  if (match === null || (options.repository !== undefined && match[1] !== options.repository)) return send(res, notFound('NAME_UNKNOWN'))
  const reference = match[3] as string
  if (match[2] === 'manifests') {
    const manifest = ctx.content.manifests.get(ctx.content.tags.get(reference) ?? reference)
    if (manifest === undefined) return send(res, notFound('MANIFEST_UNKNOWN'))
    const digest = ctx.content.tags.get(reference) ?? reference
    return send(res, { status: 200, headers: { 'content-type': manifest.mediaType, 'docker-content-digest': digest }, body: manifest.bytes })
  }
  const file = ctx.content.blobs.get(reference)
  if (file === undefined) return send(res, notFound('BLOB_UNKNOWN'))
  return blob(req, res, ctx, await readFile(file))
}

function blob(req: IncomingMessage, res: ServerResponse, ctx: Context, data: Buffer): void {
  const { options } = ctx
  const bytes = options.corruptBlobs ? Buffer.concat([Buffer.from([(data[0] ?? 0) ^ 0xff]), data.subarray(1)]) : data
  const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''))
  let start = 0
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' }
  let status = 200
  if (range !== null && !options.ignoreRange) {
    start = Number(range[1])
    status = 206
    headers['content-range'] = options.badContentRange ?? `bytes ${start}-${bytes.length - 1}/${bytes.length}`
  }
  const body = bytes.subarray(start)
  headers['content-length'] = String(body.length)
  res.writeHead(status, headers)
  const firstResponse = ctx.count === 1 + (options.failFirst ? 1 : 0)
  if (options.stallBlobsAt !== undefined && options.stallBlobsAt < body.length && firstResponse) {
    res.write(body.subarray(0, options.stallBlobsAt))
    return
  }
  const cutAt = options.cutBlobsAt
  if (cutAt !== undefined && cutAt < body.length && (firstResponse || options.cutEveryBlobResponse)) {
    // The end of the connection (FIN) goes right behind the partial body, so the client gets
    // exactly `cutAt` bytes and then the break, whatever the timing; and a connection is only
    // ever cut under the response it carries (a later request on a reused socket never is).
    const socket = res.socket
    socket?.once('close', () => options.onCutClosed?.())
    res.write(body.subarray(0, cutAt), () => socket?.end())
    return
  }
  res.end(body)
}

function authorized(req: IncomingMessage, res: ServerResponse, ctx: Context): boolean {
  const { bearer, basic } = ctx.options
  const given = req.headers.authorization
  const deny = (challenge: string): false => {
    send(res, { status: 401, headers: { 'www-authenticate': challenge, 'content-type': 'application/json' }, body: errorBody('UNAUTHORIZED') })
    return false
  }
  if (bearer !== undefined && given !== `Bearer ${bearer.token}`) {
    const scope = ctx.path === '/v2/' ? '' : `,scope="repository:${ctx.options.repository}:pull"`
    return deny(`Bearer realm="${bearer.realm ?? `${ctx.origin}/token`}",service="${bearer.service}"${scope}`)
  }
  if (basic !== undefined && given !== basicHeader(basic)) return deny('Basic realm="fake"')
  return true
}

/** The token endpoint: checks service, scope and (if configured) the Basic credentials. */
function token(req: IncomingMessage, res: ServerResponse, ctx: Context): void {
  const bearer = ctx.options.bearer as NonNullable<FakeRegistryOptions['bearer']>
  const query = new URL(ctx.recorded.url, 'http://x').searchParams
  if (bearer.credentials !== undefined && req.headers.authorization !== basicHeader(bearer.credentials)) {
    return send(res, { status: 401, headers: { 'content-type': 'application/json' }, body: errorBody('UNAUTHORIZED') })
  }
  if (query.get('service') !== bearer.service || query.get('scope') !== `repository:${ctx.options.repository}:pull`) {
    return send(res, { status: 400, headers: { 'content-type': 'application/json' }, body: errorBody('BAD_SCOPE') })
  }
  const body = JSON.stringify({ token: bearer.token, ...(bearer.expiresIn !== undefined && { expires_in: bearer.expiresIn }) })
  send(res, { status: 200, headers: { 'content-type': 'application/json' }, body })
}

function send(res: ServerResponse, answer: Override): void {
  const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.from(answer.body)
  res.writeHead(answer.status, { 'content-length': String(body.length), ...answer.headers })
  res.end(body)
}

function notFound(code: string): Override {
  return { status: 404, headers: { 'content-type': 'application/json' }, body: errorBody(code) }
}

export function errorBody(code: string, message = code.toLowerCase().replace(/_/g, ' ')): string {
  return JSON.stringify({ errors: [{ code, message }] })
}

function basicHeader(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
}

function emptyContent(): Content {
  return { manifests: new Map(), tags: new Map(), blobs: new Map() }
}

async function loadContent(dir: string): Promise<Content> {
  const layout = await readLayout(dir)
  const content = emptyContent()
  for (const entry of layout.entries) {
    if (entry.refName !== undefined) content.tags.set(entry.refName, entry.ref.digest)
    await walkRefs(entry.ref, (ref) => {
      content.manifests.set(ref.digest, { bytes: ref.raw, mediaType: ref.mediaType })
      if (ref.kind === 'image') for (const d of ref.blobs) content.blobs.set(d.digest, layout.store.blobPath(d.digest))
    })
  }
  return content
}
