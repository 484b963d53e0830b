// Issues a server certificate from a certificate authority made for this run only. Keys are made
// and certificates signed by Node's crypto; keys never leave memory. Node has no X.509 writer, so
// the certificates are written here in DER (./der.ts): the few fields and extensions a registry's
// clients check. ECDSA P-256 by default (its keys are made far faster than RSA's, twice per start:
// BENCHMARKS.md); RSA 2048 for a client that knows nothing else.
import { type KeyObject, createHash, generateKeyPair, randomBytes, sign } from 'node:crypto'
import { isIPv4 } from 'node:net'
import { promisify } from 'node:util'
import type { CertificateNames, KeyType } from './index.ts'
import * as der from './der.ts'

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

interface KeyPair {
  publicKey: KeyObject
  privateKey: KeyObject
}

const generate = promisify(generateKeyPair)
const KEYS: Record<KeyType, { generate: () => Promise<KeyPair>; signatureAlgorithm: der.Der; serverKeyUsage: number[] }> = {
  ecdsa: {
    generate: () => generate('ec', { namedCurve: 'P-256' }),
    signatureAlgorithm: der.sequence(der.objectIdentifier('1.2.840.10045.4.3.2')), // ecdsa-with-SHA256
    serverKeyUsage: [0], // digitalSignature
  },
  rsa: {
    generate: () => generate('rsa', { modulusLength: 2048 }),
    signatureAlgorithm: der.sequence(der.objectIdentifier('1.2.840.113549.1.1.11'), der.nullValue()), // sha256WithRSAEncryption
    serverKeyUsage: [0, 2], // digitalSignature, keyEncipherment (RSA key exchange)
  },
}

const OID = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
}

export async function issueCertificate(names: CertificateNames, keyType: KeyType = 'ecdsa'): Promise<IssuedCertificate> {
  if (names.dns.length + names.ips.length === 0) throw new Error('a certificate needs at least one name')
  const keys = KEYS[keyType]
  const [caKeys, serverKeys] = await Promise.all([keys.generate(), keys.generate()])
  const now = Date.now()
  const caName = distinguishedName(`localregistry CA ${new Date(now).toISOString()}`)
  const caKeyId = keyIdentifier(caKeys.publicKey)
  const ca = signed(
    {
      issuer: caName,
      subject: caName,
      publicKey: caKeys.publicKey,
      now,
      extensions: [
        extension(OID.basicConstraints, true, der.sequence(der.boolean(true), der.unsignedInteger(Buffer.from([0])))),
        extension(OID.keyUsage, true, der.namedBits([5, 6])), // keyCertSign, cRLSign
        extension(OID.subjectKeyIdentifier, false, der.octetString(caKeyId)),
      ],
    },
    keys.signatureAlgorithm,
    caKeys.privateKey,
  )
  const alternativeNames = [
    ...names.dns.map((name) => der.implicit(2, Buffer.from(name, 'ascii'))), // dNSName
    ...names.ips.map((ip) => der.implicit(7, ipBytes(ip))), // iPAddress
  ]
  const server = signed(
    {
      issuer: caName,
      subject: distinguishedName((names.dns[0] ?? names.ips[0] ?? '').slice(0, 64)),
      publicKey: serverKeys.publicKey,
      now,
      extensions: [
        extension(OID.basicConstraints, true, der.sequence()), // cA FALSE is the default, which DER leaves out
        extension(OID.keyUsage, true, der.namedBits(keys.serverKeyUsage)),
        extension(OID.extKeyUsage, false, der.sequence(der.objectIdentifier(OID.serverAuth))),
        extension(OID.subjectAltName, false, der.sequence(...alternativeNames)),
        extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(serverKeys.publicKey))),
        extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, caKeyId))),
      ],
    },
    keys.signatureAlgorithm,
    caKeys.privateKey,
  )
  return {
    caCertificate: pem(ca),
    certificate: pem(server),
    privateKey: serverKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

interface CertificateFields {
  issuer: der.Der
  subject: der.Der
  publicKey: KeyObject
  now: number
  extensions: der.Der[]
}

/** An X.509 v3 certificate (RFC 5280 section 4.1), signed with SHA-256. */
function signed(fields: CertificateFields, signatureAlgorithm: der.Der, signingKey: KeyObject): der.Der {
  const tbs = der.sequence(
    der.explicit(0, der.unsignedInteger(Buffer.from([2]))), // version 3
    der.unsignedInteger(serialNumber()),
    signatureAlgorithm,
    fields.issuer,
    der.sequence(der.time(new Date(fields.now - BACKDATE_MS)), der.time(new Date(fields.now + LIFETIME_MS))),
    fields.subject,
    fields.publicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(3, der.sequence(...fields.extensions)),
  )
  // An ECDSA signature comes DER-encoded (r, s), as X.509 wants it.
  return der.sequence(tbs, signatureAlgorithm, der.bitString(sign('sha256', tbs, signingKey)))
}

function distinguishedName(commonName: string): der.Der {
  return der.sequence(der.set(der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(commonName))))
}

function extension(oid: string, critical: boolean, value: der.Der): der.Der {
  return der.sequence(der.objectIdentifier(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value))
}

/** SHA-1 of the public key (RFC 5280 allows any method that gives distinct ids). */
function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest()
}

/** 128 random bits, positive (first byte 0x40-0x7f): serial numbers must be unique, at most 20 bytes. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16)
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40
  return bytes
}

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address, as iPAddress holds it. */
function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number))
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    [((+a << 8) | +b).toString(16), ((+c << 8) | +d).toString(16)].join(':'),
  )
  const [head = '', tail] = text.split('::')
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'))
  const missing = 8 - groups(head).length - groups(tail ?? '').length
  const all = [...groups(head), ...(tail === undefined ? [] : Array<string>(missing).fill('0')), ...groups(tail ?? '')]
  const bytes = Buffer.alloc(16)
  all.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2))
  return bytes
}

/** PEM: base64 in lines of 64 characters. */
function pem(certificate: der.Der): string {
  const lines = certificate.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}
