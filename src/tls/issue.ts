// Issues a server certificate from a certificate authority made for this run only. Keys are made
// by Node's crypto (native, in the thread pool) and never leave memory; node-forge only builds
// and signs the certificates (Node has no X.509 writer). RSA 2048, because node-forge signs
// nothing else and every registry client accepts it.
import { type KeyObject, generateKeyPair, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import forge from 'node-forge'
import type { CertificateNames } from './index.ts'

export interface IssuedCertificate {
  /** The CA's certificate, PEM: what clients must trust. Its key is discarded once it has signed. */
  caCertificate: string
  /** The server's certificate, PEM, valid for every name asked for. */
  certificate: string
  /** The server's private key, PEM (PKCS #8). */
  privateKey: string
}

/** Valid from a day ago (a VM's clock may lag the host's) for 30 days: a run never outlives it. */
const BACKDATE_MS = 24 * 60 * 60 * 1000
const LIFETIME_MS = 30 * 24 * 60 * 60 * 1000

const generateRsa = (): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> => promisify(generateKeyPair)('rsa', { modulusLength: 2048 })

export async function issueCertificate(names: CertificateNames): Promise<IssuedCertificate> {
  if (names.dns.length + names.ips.length === 0) throw new Error('a certificate needs at least one name')
  const [caKeys, serverKeys] = await Promise.all([generateRsa(), generateRsa()])
  const caKey = forge.pki.privateKeyFromPem(caKeys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString())
  const now = Date.now()
  const ca = newCertificate(caKeys.publicKey, now)
  const caSubject = [{ name: 'commonName', value: `localregistry CA ${new Date(now).toISOString()}` }]
  ca.setSubject(caSubject)
  ca.setIssuer(caSubject)
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ])
  ca.sign(caKey, forge.md.sha256.create())

  const server = newCertificate(serverKeys.publicKey, now)
  server.setSubject([{ name: 'commonName', value: (names.dns[0] ?? names.ips[0] ?? '').slice(0, 64) }])
  server.setIssuer(caSubject)
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names.dns.map((value) => ({ type: 2, value })), ...names.ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ])
  server.sign(caKey, forge.md.sha256.create())
  return {
    caCertificate: pem(ca),
    certificate: pem(server),
    privateKey: serverKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

function newCertificate(publicKey: KeyObject, now: number): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate()
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString())
  certificate.serialNumber = serialNumber()
  certificate.validity.notBefore = new Date(now - BACKDATE_MS)
  certificate.validity.notAfter = new Date(now + LIFETIME_MS)
  return certificate
}

/** PEM with Unix line ends (node-forge writes CRLF), as files on a node are expected to be. */
function pem(certificate: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(certificate).replaceAll('\r\n', '\n')
}

/** 128 random bits as a positive DER INTEGER in minimal form: the first byte is 0x40-0x7f. */
function serialNumber(): string {
  const bytes = randomBytes(16)
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40
  return bytes.toString('hex')
}
