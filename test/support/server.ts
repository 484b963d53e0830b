// Helpers for the server's tests: fixture layouts served by a real server on port 0, and
// HTTP requests that send the path exactly as given (fetch would normalise "..", "%2e%2e").

import { createHash } from 'node:crypto'
import { type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { type Layout, readLayout } from '../../src/oci/layout.ts'
import type { Ref } from '../../src/oci/ref.ts'
import { type FixtureOptions, buildFixtureLayout } from '../../src/testing/index.ts'
import { makeTempDir } from './temp-dir.ts'
import { Registry } from '../../src/content/registry.ts'
import { type ListenOptions, type RegistryServer, listen } from '../../src/registry/server/server.ts'

export interface Served {
  registry: Registry
  server: RegistryServer
  /** Every line the server logged. */
  logs: string[]
  /** The first line logged (so far or later) that `match` accepts. */
  logged(match: (line: string) => boolean): Promise<string>
}

/** A registry with nothing in it yet, listening on a free port, closed when the test ends. */
export async function serve(t: Pick<TestContext, 'after'>, registry = new Registry(), options: Omit<ListenOptions, 'log'> = {}): Promise<Served> {
  const logs: string[] = []
  const waiting = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>()
  const log = (line: string): void => {
    logs.push(line)
    for (const waiter of waiting) {
      if (!waiter.match(line)) continue
      waiting.delete(waiter)
      waiter.resolve(line)
    }
  }
  const logged = (match: (line: string) => boolean): Promise<string> => {
    const found = logs.find(match)
    return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => waiting.add({ match, resolve }))
  }
  const server = await listen(registry, { ...options, log })
  t.after(() => server.close())
  return { registry, server, logs, logged }
}

/** Builds a fixture layout in a fresh temp dir and reads it back. */
export async function fixture(t: Pick<TestContext, 'after'>, options: FixtureOptions): Promise<Layout> {
  const dir = join((await makeTempDir('test-', t)).path, options.name ?? options.kind)
  await buildFixtureLayout(dir, options)
  return readLayout(dir)
}

/** The ref of a layout's entry with that ref name (default: the only, or first, entry). */
export function entryRef(layout: Layout, refName?: string): Ref {
  const entry = refName === undefined ? layout.entries[0] : layout.entries.find((e) => e.refName === refName)
  if (entry === undefined) throw new Error(`no entry ${refName ?? ''} in ${layout.dir}`)
  return entry.ref
}

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface RequestOptions {
  method?: string
  headers?: Record<string, string>
}

/** One request with the path sent verbatim; rejects if the transfer breaks. */
export async function request(base: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const result = await download(base, path, options)
  if (result.error !== undefined) throw result.error
  return { status: result.status, headers: result.headers, body: result.body }
}

export interface Download extends HttpResponse {
  /** Set when the response broke off (connection reset, fewer bytes than Content-Length). */
  error: Error | undefined
}

/** Like request, but a broken transfer is reported with what arrived instead of rejecting. */
export function download(base: string, path: string, options: RequestOptions = {}): Promise<Download> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path,
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
    })
    req.on('error', reject)
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let error: Error | undefined
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', (e) => (error = e))
      res.on('close', () => {
        const body = Buffer.concat(chunks)
        if (error === undefined && !res.complete) error = new Error('response incomplete')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, error })
      })
    })
    req.end()
  })
}

export interface RawResponse {
  status: number
  /** Lowercase names; repeated headers joined with ", ". */
  headers: Record<string, string>
  body: Buffer
}

/**
 * Sends raw bytes on a fresh connection (requests no HTTP client would send, several pipelined
 * requests) and parses every response that comes back until the server closes the connection
 * (the last request should say Connection: close). It does not half-close: Node's server drops
 * a pending response when the client does. If the server neither answers nor closes for
 * IDLE_MS, the exchange ends with what came. `head` lists the indexes of responses to HEAD
 * requests (they have no body). Rejects on a connection error or a response that breaks off;
 * a connection closed without any response gives an empty list, which tests must treat as a
 * failure.
 */
export function rawExchange(base: string, text: string | Buffer, options: { head?: number[] } = {}): Promise<{ responses: RawResponse[] }> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname.replace(/^\[|\]$/g, ''))
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => {
      try {
        resolve({ responses: parseResponses(Buffer.concat(chunks), new Set(options.head ?? [])) })
      } catch (error) {
        reject(error)
      }
    })
    socket.setTimeout(IDLE_MS, () => socket.destroy())
    socket.write(text)
  })
}

const IDLE_MS = 10_000

function parseResponses(bytes: Buffer, head: Set<number>): RawResponse[] {
  const responses: RawResponse[] = []
  let offset = 0
  while (offset < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', offset)
    if (end === -1) throw new Error(`a response broke off in its head: ${JSON.stringify(bytes.subarray(offset, offset + 200).toString('latin1'))}`)
    const [statusLine = '', ...lines] = bytes.subarray(offset, end).toString('latin1').split('\r\n')
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]
    if (status === undefined) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(statusLine)}`)
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      const name = line.slice(0, colon).toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    const noBody = head.has(responses.length) || status === '304' || status === '204'
    const length = noBody ? 0 : headers['content-length'] === undefined ? bytes.length - end - 4 : Number(headers['content-length'])
    const body = bytes.subarray(end + 4, end + 4 + length)
    if (body.length < length) throw new Error(`a ${status} response broke off after ${body.length} of ${length} body bytes`)
    responses.push({ status: Number(status), headers, body })
    offset = end + 4 + length
  }
  return responses
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** The distribution-spec error code of an error response. */
export function errorCode(response: Pick<HttpResponse, 'body'>): string | undefined {
  const json = JSON.parse(response.body.toString('utf8')) as { errors?: Array<{ code?: string }> }
  return json.errors?.[0]?.code
}
