// TLS for the server: a certificate the caller gives, or one issued at start-up by a CA made
// for this run only. The X.509 code (./issue.ts) loads only when a certificate is generated, so a
// plain-HTTP start never pays for it.
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import { UsageError } from '../errors.ts'
import { isDnsName, isWildcard } from '../net/host.ts'

/** `startRegistry({ tls })`: generate a certificate (optionally for more names), or serve a given one. */
export type TlsOptions = GeneratedTlsOptions | GivenTlsOptions

export interface GeneratedTlsOptions {
  /**
   * DNS names or IP addresses the certificate is valid for besides the listen address, e.g.
   * `registry.test.internal` or the guest side of a QEMU guest forward.
   */
  hostnames?: string[]
  /** The keys of the CA and the certificate: ECDSA P-256 (default) or RSA 2048. */
  keyType?: KeyType
}

export type KeyType = 'ecdsa' | 'rsa'
export const KEY_TYPES: readonly KeyType[] = ['ecdsa', 'rsa']

export interface GivenTlsOptions {
  /** The certificate (chain), PEM. Runtimes must trust its issuer by their own configuration. */
  cert: string | Buffer
  /** Its private key, PEM. */
  key: string | Buffer
}

/** What the server listens with. */
export interface ServerTls {
  cert: string | Buffer
  key: string | Buffer
  /** The PEM certificate of the CA generated for this run; undefined for a given certificate. */
  caCertificate: string | undefined
}

/** The names a generated certificate covers: the subject alternative names, split by kind. */
export interface CertificateNames {
  dns: string[]
  ips: string[]
}

/**
 * The certificate to serve: checked when given, else issued by a CA made now for the listen
 * host, the addresses it resolves to (the URL names the address: `localhost:0` gives
 * https://127.0.0.1:PORT) and `hostnames`.
 */
export async function serverTls(options: TlsOptions, listenHost: string): Promise<ServerTls> {
  if ('cert' in options) return { ...checkGivenCertificate(options), caCertificate: undefined }
  if (options.keyType !== undefined && !KEY_TYPES.includes(options.keyType))
    throw new UsageError(`the key type ${JSON.stringify(options.keyType)} (--tls-key-type, tls.keyType) is neither ${KEY_TYPES.join(' nor ')}`)
  const [{ issueCertificate }, addresses] = await Promise.all([import('./issue.ts'), addressesOf(listenHost)])
  const issued = await issueCertificate(certificateNames([listenHost, ...addresses, ...(options.hostnames ?? [])]), options.keyType)
  return { cert: issued.certificate, key: issued.privateKey, caCertificate: issued.caCertificate }
}

/** A host name's addresses; none for an address, or a name that does not resolve (listening will say so). */
async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0) return []
  try {
    return (await lookup(host, { all: true })).map((address) => address.address)
  } catch {
    return []
  }
}

/**
 * Sorts names into DNS names and IP addresses, without repeats. A wildcard listen address
 * (0.0.0.0, ::) stands for every address of this machine's interfaces, and localhost.
 */
export function certificateNames(names: readonly string[]): CertificateNames {
  const dns = new Set<string>()
  const ips = new Set<string>()
  for (const raw of names) {
    const name = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw
    if (isWildcard(name)) {
      for (const address of Object.values(networkInterfaces()).flat()) if (address !== undefined) ips.add(address.address.replace(/%.*$/, ''))
      dns.add('localhost')
    } else if (isIP(name) !== 0) ips.add(name)
    else if (isDnsName(name)) dns.add(name.toLowerCase())
    else
      throw new UsageError(
        `certificate name ${JSON.stringify(raw)} (--hostname, tls.hostnames) is neither a DNS name (e.g. registry.test.internal) nor an IP address`,
      )
  }
  return { dns: [...dns], ips: [...ips] }
}

/** A given certificate and key, checked to parse and to belong together, so a mistake fails before listening. */
function checkGivenCertificate(options: GivenTlsOptions): { cert: string | Buffer; key: string | Buffer } {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(options.cert)
  } catch (error) {
    throw new UsageError(`the TLS certificate (--tls-cert, tls.cert) is not a PEM X.509 certificate: ${(error as Error).message}`)
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(options.key))) throw new Error(`it is not the key of the certificate for ${certificate.subject}`)
  } catch (error) {
    throw new UsageError(`the TLS key (--tls-key, tls.key) does not fit the certificate: ${(error as Error).message}`)
  }
  return { cert: options.cert, key: options.key }
}
