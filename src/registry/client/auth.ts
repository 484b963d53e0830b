// Registry authentication: the Bearer token flow of the distribution token spec
// (https://distribution.github.io/distribution/spec/auth/token/) and plain Basic.
//
// A request goes out with the Authorization cached for its scope, if any. On 401 the
// transport hands the challenge here: for Bearer we fetch a token from the realm (with
// `service` and `scope`, and Basic credentials if we have them) and cache it per scope;
// for Basic we answer with the credentials. The request is then repeated once. Tokens and
// credentials never appear in an error message. Credentials go over plain HTTP only to this
// machine or to a plain-HTTP registry's own host (where the user already sends requests in the
// clear): a registry on HTTPS whose realm is http://elsewhere is refused, naming the realm.

import { AuthError } from '../../errors.ts'
import { isLoopback } from '../../net/host.ts'
import { redactUrl } from './redact.ts'
import { type Challenge, parseWwwAuthenticate } from './www-authenticate.ts'

export interface Credentials {
  username: string
  password: string
}

/**
 * Credentials looked up only when a registry asks for them (e.g. from a Docker credential
 * helper, which may prompt or be slow): called at most once per client.
 */
export type CredentialsProvider = () => Promise<Credentials | undefined>

/** Largest token response we read. Real ones are a few KiB. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024

/** Tokens without `expires_in` live 60 s (token spec); we stop using them a little early. */
const DEFAULT_TOKEN_LIFETIME_S = 60
const EXPIRY_MARGIN_MS = 5_000

/** Fetches a token response body (at most MAX_TOKEN_RESPONSE_BYTES) from the realm; provided by the transport. */
export type TokenFetcher = (url: URL, headers: Record<string, string>, signal?: AbortSignal) => Promise<Buffer>

interface CachedAuthorization {
  header: string
  expiresAt: number
}

/** The pull scope of a repository, as the token spec writes it. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`
}

function toProvider(credentials: Credentials | CredentialsProvider | undefined): CredentialsProvider {
  if (typeof credentials === 'function') return credentials
  return () => Promise.resolve(credentials)
}

/** The provider, called on first use only; every later call gets the same promise. */
function once(provide: CredentialsProvider): CredentialsProvider {
  let credentials: Promise<Credentials | undefined> | undefined
  return () => (credentials ??= provide())
}

export class Authenticator {
  /** Where credentials come from: given ones, a provider, or none; whichever, called once and remembered. */
  readonly #credentials: CredentialsProvider
  readonly #fetchToken: TokenFetcher
  readonly #cache = new Map<string, CachedAuthorization>()
  readonly #pending = new Map<string, Promise<string>>()
  readonly #now: () => number

  constructor(options: { credentials?: Credentials | CredentialsProvider | undefined; fetchToken: TokenFetcher; now?: () => number }) {
    this.#credentials = once(toProvider(options.credentials))
    this.#fetchToken = options.fetchToken
    this.#now = options.now ?? Date.now
  }

  /** The Authorization header cached for a scope, if there is one that has not expired. */
  authorization(scope: string): string | undefined {
    const cached = this.#cache.get(scope)
    if (cached === undefined) return undefined
    if (cached.expiresAt <= this.#now()) {
      this.#cache.delete(scope)
      return undefined
    }
    return cached.header
  }

  /** Forgets the Authorization of a scope (the registry rejected it). */
  invalidate(scope: string): void {
    this.#cache.delete(scope)
  }

  /**
   * Answers a 401's WWW-Authenticate header for `scope`: returns the Authorization header to
   * repeat the request with (and caches it), or throws AuthError when we cannot answer.
   * Concurrent requests for one scope share one token request.
   */
  respond(header: string | readonly string[], scope: string, registry: URL, signal?: AbortSignal): Promise<string> {
    let pending = this.#pending.get(scope)
    if (pending === undefined) {
      pending = this.#respond(parseWwwAuthenticate(header), scope, registry, signal).finally(() => this.#pending.delete(scope))
      this.#pending.set(scope, pending)
    }
    return pending
  }

  async #respond(challenges: Challenge[], scope: string, registry: URL, signal?: AbortSignal): Promise<string> {
    const bearer = challenges.find((c) => c.scheme === 'bearer')
    if (bearer !== undefined) {
      const { header, lifetimeS } = await this.#bearer(bearer, scope, registry, signal)
      this.#cache.set(scope, { header, expiresAt: this.#now() + lifetimeS * 1000 - EXPIRY_MARGIN_MS })
      return header
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const credentials = await this.#credentials()
      if (credentials === undefined) throw new AuthError('the registry requires Basic authentication, and no credentials were given')
      const header = basicAuthorization(credentials)
      this.#cache.set(scope, { header, expiresAt: Number.POSITIVE_INFINITY })
      return header
    }
    throw new AuthError(
      `the registry asks for authentication schemes we do not support: ${challenges.map((c) => c.scheme).join(', ')} (supported: Bearer, Basic)`,
    )
  }

  async #bearer(challenge: Challenge, scope: string, registry: URL, signal?: AbortSignal): Promise<{ header: string; lifetimeS: number }> {
    const realm = challenge.params.realm
    if (realm === undefined) throw new AuthError("the registry's Bearer challenge has no realm")
    let url: URL
    try {
      url = new URL(realm)
    } catch {
      throw new AuthError("the registry's Bearer challenge has a realm that is not a URL")
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AuthError(`the Bearer realm ${redactUrl(url)} is not an http(s) URL`)
    if (challenge.params.service !== undefined) url.searchParams.set('service', challenge.params.service)
    // The challenge's scope is what the registry needs; ours is what we asked for.
    url.searchParams.set('scope', challenge.params.scope ?? scope)
    const headers: Record<string, string> = {}
    const credentials = await this.#credentials()
    if (credentials !== undefined) {
      if (!mayCarryCredentials(url, registry)) {
        throw new AuthError(
          `refusing to send credentials in clear text to the Bearer realm ${redactUrl(url)} that the registry ${redactUrl(registry.origin)} named: plain HTTP carries them only to this machine or to a plain-HTTP registry's own host`,
        )
      }
      headers.authorization = basicAuthorization(credentials)
    }
    const body = await this.#fetchToken(url, headers, signal)
    return parseTokenResponse(body, redactUrl(url))
  }
}

/** Whether credentials may go to a token service: over HTTPS, to this machine, or in the clear to a plain-HTTP registry's own host. */
export function mayCarryCredentials(realm: URL, registry: URL): boolean {
  if (realm.protocol === 'https:' || isLoopback(realm.hostname)) return true
  return registry.protocol === 'http:' && realm.hostname === registry.hostname
}

/** Reads `token` (or OAuth2's `access_token`) and `expires_in` from a token response. */
export function parseTokenResponse(body: Buffer, where: string): { header: string; lifetimeS: number } {
  let json: unknown
  try {
    json = JSON.parse(body.toString('utf8'))
  } catch {
    throw new AuthError(`the token service ${where} answered with something that is not JSON`)
  }
  if (typeof json !== 'object' || json === null) throw new AuthError(`the token service ${where} answered with JSON that is not an object`)
  const token = 'token' in json && json.token !== '' ? json.token : 'access_token' in json ? json.access_token : undefined
  // The token goes into a header: anything but token68-ish characters would be a header injection.
  if (typeof token !== 'string' || !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
    throw new AuthError(`the token service ${where} answered without a usable token`)
  }
  const expiresIn = 'expires_in' in json ? json.expires_in : undefined
  const lifetimeS = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_S
  return { header: `Bearer ${token}`, lifetimeS }
}
