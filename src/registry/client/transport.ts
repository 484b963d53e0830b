// HTTP for the client: one GET with redirects (undici's redirect interceptor, which drops
// Authorization, Cookie and Proxy-Authorization when the origin changes), the 401 challenge
// handled once, statuses classified into errors, and the whole exchange retried (retry.ts)
// while the failure is transient. The token fetch of a 401 is one request inside that
// exchange, never a retry loop of its own: retries do not multiply. Nothing waits forever: a
// connection must open within the connect timeout, and a response must send its headers,
// and each next body byte while it is being read, within the idle timeout. Messages carry
// only redacted URLs and registry text stripped of control characters.

import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent, type Dispatcher, interceptors, request } from 'undici'
import { DeadlineError, LocalRegistryError, RegistryConnectionError, RegistryResponseError, ResponseTooLargeError, messageOf } from '../../errors.ts'
import { Authenticator, type Credentials, type CredentialsProvider, MAX_TOKEN_RESPONSE_BYTES } from './auth.ts'
import { redactUrl } from './redact.ts'
import { isRetryableStatus, parseRetryAfter, type RetryContext, type RetryOptions, withRetries } from './retry.ts'
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from './timeouts.ts'
import { speaksTls, tlsFailure, trustingConnector } from './trust.ts'

export interface TransportOptions {
  /** An undici dispatcher to send through (TLS settings, proxies); the redirect interceptor is composed onto it. */
  dispatcher?: Dispatcher | undefined
  credentials?: Credentials | CredentialsProvider | undefined
  userAgent?: string | undefined
  /** Redirects followed per request. Default 10. */
  maxRedirections?: number | undefined
  /** Longest wait for a connection to open, in ms (our own agent; a given dispatcher has its own). Default DEFAULT_CONNECT_TIMEOUT_MS. */
  connectTimeout?: number | undefined
  /** CA certificates (PEM) trusted for HTTPS besides Node's and the system's (our own agent; a given dispatcher has its own). */
  ca?: readonly string[] | undefined
  /** Longest wait for response headers, and for the next body byte while the body is read, in ms. Default DEFAULT_IDLE_TIMEOUT_MS. */
  idleTimeout?: number | undefined
  retry?: RetryOptions | undefined
  /** Ends every request and wait of this transport. */
  signal?: AbortSignal | undefined
  /** Epoch ms: no retry wait past it, and requests still running then are aborted. */
  deadline?: number | undefined
  onRetry?: RetryContext['onRetry']
}

export interface Response {
  status: number
  headers: IncomingHttpHeaders
  body: Readable
  /** The URL that answered (after redirects), redacted for messages. */
  url: string
}

export interface GetOptions {
  headers?: Record<string, string>
  /** The token scope the request needs; requests without a scope are sent without Authorization. */
  scope?: string
  signal?: AbortSignal | undefined
  /** Statuses that are success. Default [200]. */
  ok?: readonly number[]
  /** Bytes undici buffers of a body nobody is reading before it stops reading the socket. Default 64 KiB. */
  highWaterMark?: number
}

/** Largest error body we read for its distribution error codes. */
const MAX_ERROR_BODY_BYTES = 64 * 1024

// Below-HTTP failures worth another try: the peer went away, the network blinked, a timeout.
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
])

export class Transport {
  readonly #dispatcher: Dispatcher
  readonly #ownAgent: Agent | undefined
  readonly #options: TransportOptions
  readonly #signal: AbortSignal | undefined
  #deadlineTimer: NodeJS.Timeout | undefined
  readonly auth: Authenticator

  constructor(options: TransportOptions = {}) {
    this.#options = options
    this.#ownAgent = options.dispatcher === undefined ? new Agent({ connect: trustingConnector(this.#connectTimeout(), options.ca ?? []) }) : undefined
    const base = options.dispatcher ?? (this.#ownAgent as Agent)
    this.#dispatcher = base.compose(interceptors.redirect({ maxRedirections: options.maxRedirections ?? 10, throwOnMaxRedirect: true }))
    const signals = [options.signal, options.deadline === undefined ? undefined : this.#deadlineSignal(options.deadline)]
    const present = signals.filter((s) => s !== undefined)
    this.#signal = present.length === 0 ? undefined : AbortSignal.any(present)
    this.auth = new Authenticator({
      credentials: options.credentials,
      // One attempt: the request that needs the token is the one retried.
      fetchToken: (url, headers, signal) =>
        this.#attempt(url, { headers }, this.signal(signal), (response) =>
          readLimited(response, MAX_TOKEN_RESPONSE_BYTES, `token response from ${response.url}`),
        ),
    })
  }

  /** The signal that ends everything this transport does: the caller's, the deadline's, and `extra`. */
  signal(extra?: AbortSignal): AbortSignal | undefined {
    const present = [this.#signal, extra].filter((s) => s !== undefined)
    return present.length === 0 ? undefined : present.length === 1 ? present[0] : AbortSignal.any(present)
  }

  /** Retry settings for loops outside `get` (blob bodies). */
  retryContext(signal?: AbortSignal): RetryOptions & RetryContext {
    return { ...this.#options.retry, signal, deadline: this.#options.deadline, onRetry: this.#options.onRetry }
  }

  /**
   * GETs `url` and hands a successful response to `consume` (which must read or take over the
   * body). Transient failures of either are retried; the last error is thrown.
   */
  get<T>(url: URL, options: GetOptions, consume: (response: Response) => Promise<T>): Promise<T> {
    const signal = this.signal(options.signal)
    return withRetries(() => this.#attempt(url, options, signal, consume), this.retryContext(signal))
  }

  async close(): Promise<void> {
    clearTimeout(this.#deadlineTimer)
    await this.#ownAgent?.close()
  }

  /** A signal that aborts with a DeadlineError at `deadline` (epoch ms); its timer does not keep the process alive. */
  #deadlineSignal(deadline: number): AbortSignal {
    const controller = new AbortController()
    const reason = (): DeadlineError => new DeadlineError(`not done by the deadline, ${new Date(deadline).toISOString()}`)
    this.#deadlineTimer = setTimeout(() => controller.abort(reason()), Math.max(0, deadline - Date.now())).unref()
    return controller.signal
  }

  async #attempt<T>(url: URL, options: GetOptions, signal: AbortSignal | undefined, consume: (response: Response) => Promise<T>): Promise<T> {
    const response = await this.#authenticated(url, options, signal)
    try {
      return await consume(response)
    } catch (error) {
      discard(response)
      throw classify(error, 'GET', response.url, signal)
    }
  }

  async #authenticated(url: URL, options: GetOptions, signal: AbortSignal | undefined): Promise<Response> {
    const scope = options.scope
    const cached = scope === undefined ? undefined : this.auth.authorization(scope)
    let response = await this.#send(url, options, cached, signal)
    if (response.status === 401 && scope !== undefined) {
      const challenge = response.headers['www-authenticate']
      if (challenge === undefined) throw await responseError(response, 'the registry requires authentication but sent no WWW-Authenticate challenge')
      await drain(response)
      if (cached !== undefined) this.auth.invalidate(scope)
      const authorization = await this.auth.respond(challenge, scope, url, signal)
      response = await this.#send(url, options, authorization, signal)
      if (response.status === 401) {
        this.auth.invalidate(scope)
        throw await responseError(response, 'the registry rejected our credentials')
      }
    }
    if (!(options.ok ?? [200]).includes(response.status)) throw await responseError(response)
    return response
  }

  async #send(url: URL, options: GetOptions, authorization: string | undefined, signal: AbortSignal | undefined): Promise<Response> {
    const all: Record<string, string> = { 'user-agent': this.#options.userAgent ?? 'localregistry', ...options.headers }
    if (authorization !== undefined) all.authorization = authorization
    try {
      const { highWaterMark } = options
      // undici's body timeout runs only while the body is not paused: a slow consumer is not idle.
      const idle = this.#options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS
      const response = await request(url, {
        method: 'GET',
        headers: all,
        dispatcher: this.#dispatcher,
        signal,
        headersTimeout: idle,
        bodyTimeout: idle,
        ...(highWaterMark !== undefined && { highWaterMark }),
      })
      return { status: response.statusCode, headers: response.headers, body: response.body, url: redactUrl(finalUrl(response.context) ?? url) }
    } catch (error) {
      // Probed for registry requests only (those with a scope): a token service that cuts connections costs no extra ones.
      const probe = options.scope !== undefined && url.protocol === 'http:' && isCutOff(error) && !signal?.aborted
      if (probe && (await speaksTls(url, this.#connectTimeout()))) {
        throw new RegistryConnectionError(
          `GET ${redactUrl(url)} failed: the registry answers with TLS, not plain HTTP: pull with --tls (and --ca-file FILE to trust its CA)`,
          false,
          { cause: error },
        )
      }
      throw classify(error, 'GET', redactUrl(url), signal)
    }
  }

  #connectTimeout(): number {
    return this.#options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS
  }
}

/** A connection closed before any answer came: what a TLS server does with a plain-HTTP request. */
function isCutOff(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET'
}

/** Reads a body of at most `limit` bytes: a larger Content-Length fails before reading, a longer body while counting. */
export async function readLimited(response: Response, limit: number, what: string): Promise<Buffer> {
  const tooLarge = (): ResponseTooLargeError => new ResponseTooLargeError(`${what} is larger than the ${limit}-byte limit`, limit)
  const declared = Number(response.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    discard(response)
    throw tooLarge()
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      discard(response)
      throw tooLarge()
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

/** Turns a failure into an error we classify: aborts stay aborts, our errors stay, anything else is a connection error. */
export function classify(error: unknown, method: string, url: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason
  if (error instanceof LocalRegistryError) return error
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined
  const tls = url.startsWith('https:') ? tlsFailure(code, new URL(url)) : undefined
  if (tls !== undefined) return new RegistryConnectionError(`${method} ${url} failed: ${tls}`, false, { cause: error })
  const message = messageOf(error)
  const transient = (code !== undefined && TRANSIENT_CODES.has(code)) || message === 'terminated' || message === 'other side closed'
  return new RegistryConnectionError(`${method} ${url} failed: ${message}${code === undefined ? '' : ` (${code})`}`, transient, { cause: error })
}

async function responseError(response: Response, why?: string): Promise<RegistryResponseError> {
  const errors = await readErrorBody(response)
  const details = errors.map((e) => (e.message ? `${e.code}: ${e.message.slice(0, 200)}` : e.code)).join('; ')
  const message = `GET ${response.url}: HTTP ${response.status}${why ? ` (${why})` : ''}${details ? `: ${details}` : ''}`
  const retryAfter = parseRetryAfter(response.headers['retry-after'])
  return new RegistryResponseError(message, {
    status: response.status,
    url: response.url,
    errors,
    retryable: isRetryableStatus(response.status),
    ...(retryAfter && { retryAfter }),
  })
}

/** The `errors` of a distribution error body (codes and messages only: the raw body is never echoed). */
async function readErrorBody(response: Response): Promise<Array<{ code: string; message?: string }>> {
  let json: unknown
  try {
    json = JSON.parse((await readLimited(response, MAX_ERROR_BODY_BYTES, 'error body')).toString('utf8'))
  } catch {
    discard(response)
    return []
  }
  if (typeof json !== 'object' || json === null || !('errors' in json) || !Array.isArray(json.errors)) return []
  return json.errors.flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null || !('code' in e) || typeof e.code !== 'string') return []
    return [{ code: e.code.slice(0, 100), ...('message' in e && typeof e.message === 'string' && { message: e.message }) }]
  })
}

async function drain(response: Response): Promise<void> {
  try {
    await readLimited(response, MAX_ERROR_BODY_BYTES, 'error body')
  } catch {
    discard(response)
  }
}

/** The last URL of the redirect interceptor's history, which is the one that answered. */
function finalUrl(context: unknown): URL | undefined {
  if (typeof context !== 'object' || context === null || !('history' in context) || !Array.isArray(context.history)) return undefined
  const last: unknown = context.history.at(-1)
  return last instanceof URL ? last : undefined
}

/** Drops a response body without reading it. undici fails a body destroyed early with an AbortError event: nobody must hear it. */
export function discard(response: Response): void {
  response.body.on('error', () => {})
  response.body.destroy()
}
