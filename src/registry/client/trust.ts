// The certificate authorities the pull client trusts for HTTPS: Node's own (its bundled store,
// plus NODE_EXTRA_CA_CERTS), the system store, as skopeo and crane trust it, and any CA the
// caller gives (`pull --ca-file`). The TLS context is built on the first HTTPS connection:
// reading the system store costs tens of milliseconds that a plain-HTTP pull need not pay.

import { isIP } from 'node:net'
import { connect, createSecureContext, getCACertificates, type SecureContext } from 'node:tls'
import { buildConnector } from 'undici'

/** A connector for undici's Agent: plain TCP for http:, and for https: TLS verified against the trusted CAs. */
export function trustingConnector(timeout: number, extraCa: readonly string[]): buildConnector.connector {
  const plain = buildConnector({ timeout })
  let secure: buildConnector.connector | undefined
  const tls = (): buildConnector.connector => (secure ??= buildConnector({ timeout, secureContext: trustedContext(extraCa) }))
  return (options, callback) => (options.protocol === 'https:' ? tls() : plain)(options, callback)
}

function trustedContext(extraCa: readonly string[]): SecureContext {
  const ca = new Set([...getCACertificates('default'), ...getCACertificates('system'), ...extraCa])
  return createSecureContext({ ca: [...ca] })
}

/** Why a certificate is refused: OpenSSL's verification codes (and Node's) for a chain we cannot trust. */
const UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
])

/** What a TLS failure means to the user, or undefined when the error code is not one. */
export function tlsFailure(code: string | undefined, url: URL): string | undefined {
  if (code === undefined) return undefined
  if (UNTRUSTED_CODES.has(code)) return `the certificate of ${url.host} is not trusted (${code}): give the CA that issued it with --ca-file FILE`
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the certificate of ${url.host} is not issued for ${url.hostname} (${code})`
  if (code.startsWith('ERR_SSL_')) return `no TLS handshake with ${url.host} (${code}): if the registry serves plain HTTP, pull with --plain-http`
  return undefined
}

/** Whether a TLS server answers at the URL's host and port: why a plain-HTTP request there is cut off without an answer. */
export function speaksTls(url: URL, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    const port = Number(url.port || 80)
    // Only whether a handshake completes matters here: nothing is sent over it, so nothing is verified.
    const socket = connect({ host, port, rejectUnauthorized: false, timeout: timeoutMs, ...(isIP(host) === 0 && { servername: host }) })
    const done = (answer: boolean): void => {
      socket.destroy()
      resolve(answer)
    }
    socket.once('secureConnect', () => done(true))
    socket.once('error', () => done(false))
    socket.once('timeout', () => done(false))
  })
}
