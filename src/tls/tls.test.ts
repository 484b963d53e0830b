import assert from 'node:assert/strict'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { once } from 'node:events'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { describe, test } from 'node:test'
import { Agent, fetch } from 'undici'
import { startRegistry } from '../api.ts'
import { buildFixtureLayout } from '../testing/index.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { certificateNames, serverTls } from './index.ts'
import { issueCertificate } from './issue.ts'

describe('issueCertificate', () => {
  for (const [keyType, publicKeyType] of [
    [undefined, 'ec'],
    ['rsa', 'rsa'],
  ] as const) {
    test(`a CA made for the run signs a server certificate for every name (${keyType ?? 'default'} keys: ${publicKeyType})`, async () => {
      const issued = await issueCertificate({ dns: ['registry.test.internal', 'localhost'], ips: ['198.18.0.1', '::1'] }, keyType)
      const ca = new X509Certificate(issued.caCertificate)
      const server = new X509Certificate(issued.certificate)
      assert.ok(ca.ca, 'the CA certificate is a CA')
      assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed')
      assert.ok(!server.ca, 'the server certificate is not a CA')
      assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey), 'the CA issued and signed the server certificate')
      assert.ok(
        !server.verify(new X509Certificate((await issueCertificate({ dns: ['x'], ips: [] }, keyType)).caCertificate).publicKey),
        "another run's CA did not",
      )
      assert.equal(server.subjectAltName, 'DNS:registry.test.internal, DNS:localhost, IP Address:198.18.0.1, IP Address:0:0:0:0:0:0:0:1')
      assert.equal(server.checkHost('registry.test.internal'), 'registry.test.internal')
      assert.equal(server.checkIP('198.18.0.1'), '198.18.0.1')
      assert.equal(server.checkHost('other.test.internal'), undefined)
      assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'server authentication only')
      assert.ok(server.checkPrivateKey(createPrivateKey(issued.privateKey)))
      const validFrom = Date.parse(server.validFrom)
      assert.ok(validFrom < Date.now() - 60 * 60 * 1000, 'valid from before now (a guest clock may lag)')
      assert.notEqual(ca.serialNumber, server.serialNumber)
      for (const certificate of [ca, server]) assert.equal(certificate.publicKey.asymmetricKeyType, publicKeyType)
      const details = server.publicKey.asymmetricKeyDetails
      assert.deepEqual(publicKeyType === 'ec' ? details?.namedCurve : details?.modulusLength, publicKeyType === 'ec' ? 'prime256v1' : 2048)
    })
  }

  test('IPv6 names in every spelling, and long ones', async () => {
    const ips = ['fd00::1:2', '::ffff:10.42.0.82', '2001:db8:0:0:0:0:0:1', '::']
    const dns = [`${'a'.repeat(63)}.${'b'.repeat(63)}.test.internal`]
    const server = new X509Certificate((await issueCertificate({ dns, ips })).certificate)
    assert.equal(
      server.subjectAltName,
      `DNS:${dns[0]}, IP Address:FD00:0:0:0:0:0:1:2, IP Address:0:0:0:0:0:FFFF:A2A:52, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:0:0:0`,
    )
    assert.equal(server.checkIP('fd00::1:2'), 'fd00::1:2')
  })
})

describe('certificateNames', () => {
  test('sorts DNS names from IP addresses, without repeats', () => {
    assert.deepEqual(certificateNames(['127.0.0.1', 'Registry.Test.Internal', 'registry.test.internal', '[::1]', '10.42.0.82']), {
      dns: ['registry.test.internal'],
      ips: ['127.0.0.1', '::1', '10.42.0.82'],
    })
  })
  test('a wildcard listen address stands for every interface address', () => {
    const names = certificateNames(['0.0.0.0'])
    assert.ok(names.ips.includes('127.0.0.1'), names.ips.join(' '))
    assert.deepEqual(names.dns, ['localhost'])
  })
  test('anything else is a usage error', () => {
    for (const bad of ['under_score', 'a..b', 'https://x', 'x:5000', '-x']) {
      assert.throws(
        () => certificateNames([bad]),
        { code: 'ERR_LOCALREGISTRY_USAGE', message: /certificate name .* is neither a DNS name .* nor an IP address/ },
        bad,
      )
    }
  })
})

describe('serverTls', () => {
  test('a given certificate and key are checked to belong together', async () => {
    const a = await issueCertificate({ dns: ['a'], ips: [] })
    const b = await issueCertificate({ dns: ['b'], ips: [] })
    assert.deepEqual(await serverTls({ cert: a.certificate, key: a.privateKey }, '127.0.0.1'), {
      cert: a.certificate,
      key: a.privateKey,
      caCertificate: undefined,
    })
    await assert.rejects(serverTls({ cert: a.certificate, key: b.privateKey }, '127.0.0.1'), {
      code: 'ERR_LOCALREGISTRY_USAGE',
      message: /TLS key \(--tls-key, tls\.key\) does not fit/,
    })
    await assert.rejects(serverTls({ cert: 'not a certificate', key: a.privateKey }, '127.0.0.1'), {
      code: 'ERR_LOCALREGISTRY_USAGE',
      message: /not a PEM X\.509/,
    })
  })
})

describe('startRegistry({ tls })', () => {
  test('serves HTTPS that a client trusting the run’s CA accepts, and one without it refuses', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    await using registry = await startRegistry({ images: [{ repository: 'library/app', tag: '1.0', layout: app.dir }], tls: { hostnames: ['localhost'] } })
    assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.match(registry.caCertificate ?? '', /^-----BEGIN CERTIFICATE-----\n/)
    const trusting = new Agent({ connect: { ca: registry.caCertificate } })
    t.after(() => trusting.close())
    // containerd sends the registry it mirrors as ?ns=: the image is found by its path alone.
    for (const url of [`${registry.url}/v2/library/app/manifests/1.0?ns=docker.io`, `https://localhost:${registry.port}/v2/library/app/manifests/1.0`]) {
      const response = await fetch(url, { method: 'HEAD', dispatcher: trusting })
      assert.equal(response.status, 200, url)
      assert.equal(response.headers.get('docker-content-digest'), app.digest)
    }
    await assert.rejects(fetch(`${registry.url}/v2/`), (error: Error) =>
      /self-signed certificate in certificate chain|unable to verify/.test(String(error.cause)),
    )
  })

  test('listening on a host name, the certificate also holds the address the URL names', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    await using registry = await startRegistry({ images: [{ repository: 'app', tag: '1', layout: app.dir }], listen: 'localhost:0', tls: {} })
    const dispatcher = new Agent({ connect: { ca: registry.caCertificate } })
    t.after(() => dispatcher.close())
    for (const url of [registry.url, `https://localhost:${registry.port}`]) assert.equal((await fetch(`${url}/v2/`, { dispatcher })).status, 200, url)
  })

  test('a minimal TLS client (TLS 1.2, ECDHE-ECDSA with P-256 and SHA-256 only) connects; with RSA keys it cannot', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    for (const keyType of [undefined, 'rsa'] as const) {
      await using registry = await startRegistry({ images: [{ repository: 'app', tag: '1', layout: app.dir }], tls: { keyType } })
      const request = minimalTlsGet(registry.port, registry.caCertificate ?? '')
      if (keyType === undefined) assert.match(await request, /^HTTP\/1\.1 200 /)
      else await assert.rejects(request, /no shared cipher|handshake failure/)
    }
  })

  test('HTTP stays the default: no CA', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    await using registry = await startRegistry({ images: [{ repository: 'app', tag: '1', layout: app.dir }] })
    assert.match(registry.url, /^http:\/\//)
    assert.equal(registry.caCertificate, undefined)
  })
})

/**
 * `GET /v2/` as a small embedded TLS stack would send it (one cipher suite, one curve, one
 * signature algorithm), verifying the certificate against `ca`; resolves with the status line.
 */
async function minimalTlsGet(port: number, ca: string): Promise<string> {
  const socket = connect({
    host: '127.0.0.1',
    port,
    ca,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    sigalgs: 'ecdsa_secp256r1_sha256',
    ecdhCurve: 'P-256',
  })
  try {
    await once(socket, 'secureConnect')
    socket.end('GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    let response = ''
    for await (const chunk of socket) response += String(chunk)
    return response.split('\r\n')[0] ?? ''
  } finally {
    socket.destroy()
  }
}
