import assert from 'node:assert/strict'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import { type RunningRegistry, type StartOptions, startRegistry } from '../api.ts'
import { buildFixtureLayout } from '../testing/index.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { serveHints } from './pull-hints.ts'

/** A registry serving app:v1 (an image) and pinned (an index, digest-only). */
async function serving(t: TestContext, options: StartOptions): Promise<{ registry: RunningRegistry; host: string; pinned: string }> {
  const dir = (await makeTempDir('test-', t)).path
  const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
  const pinned = await buildFixtureLayout(join(dir, 'pinned'), { kind: 'index', name: 'pinned' })
  const registry = await startRegistry({
    images: [
      { repository: 'app', tag: 'v1', layout: app.dir },
      { repository: 'pinned', tag: '', layout: pinned.dir },
    ],
    ...options,
  })
  t.after(() => registry.close())
  return { registry, host: new URL(registry.url).host, pinned: pinned.digest }
}

function hints({ registry }: { registry: RunningRegistry }, caFile?: string): string {
  return serveHints({ url: registry.url, wildcard: registry.wildcard, caFile }, registry.registry)
}

test('plain HTTP on loopback: every image (digest-only ones by their digest), plain-HTTP flags, Docker needs nothing', async (t) => {
  const served = await serving(t, { listen: '127.0.0.1:0' })
  const { host } = served
  assert.equal(
    hints(served),
    `  ${host}/app:v1
  ${host}/pinned@${served.pinned}
Pull (plain HTTP: each client needs its plain-HTTP flag), e.g.:
  skopeo copy --src-tls-verify=false docker://${host}/app:v1 oci:/tmp/image
  crane pull --insecure --format=oci ${host}/app:v1 /tmp/image
  podman pull --tls-verify=false ${host}/app:v1
  ctr images pull --plain-http ${host}/app:v1
  docker pull ${host}/app:v1   (Docker trusts 127.0.0.0/8 as an insecure registry)
`,
  )
})

test('--tls: HTTPS with the CA file to trust, and no plain-HTTP flag', async (t) => {
  const served = await serving(t, { listen: '127.0.0.1:0', tls: {} })
  const { host } = served
  const text = hints(served, '/run/ca.pem')
  assert.match(served.registry.url, /^https:/)
  assert.ok(text.includes('Pull (HTTPS: clients trust the CA in /run/ca.pem)'), text)
  for (const command of [
    `SSL_CERT_FILE=/run/ca.pem skopeo copy docker://${host}/app:v1 oci:/tmp/image`,
    `SSL_CERT_FILE=/run/ca.pem podman pull ${host}/app:v1`,
    `ctr images pull --tlscacert /run/ca.pem ${host}/app:v1`,
    `docker pull ${host}/app:v1   (first copy /run/ca.pem to /etc/docker/certs.d/${host}/ca.crt)`,
  ]) {
    assert.ok(text.includes(command), `${command}\nin:\n${text}`)
  }
  assert.doesNotMatch(text, /tls-verify=false|--insecure|--plain-http|plain HTTP/)
  // Without --ca-out the CA is nowhere on disk: the commands say where it goes and how to get it.
  assert.match(hints(served), /CA\.pem is the CA of the certificate \(with --tls, --ca-out FILE writes it\)[^]*--tlscacert CA\.pem /)
})

test('a wildcard listen: commands for this machine (loopback), and what another machine needs for Docker', async (t) => {
  const served = await serving(t, { listen: '0.0.0.0:0' })
  const { host } = served
  const text = hints(served)
  assert.match(host, /^127\.0\.0\.1:\d+$/)
  assert.ok(text.includes(`podman pull --tls-verify=false ${host}/app:v1`), text)
  assert.ok(text.includes('on another machine pull ADDRESS:PORT and add {"insecure-registries": ["ADDRESS:PORT"]}'), text)
})

test('IPv6: bracketed references; Docker is told to trust it (only 127.0.0.0/8 is trusted by default)', async (t) => {
  let served
  try {
    served = await serving(t, { listen: '[::1]:0' })
  } catch (error) {
    if (/EADDRNOTAVAIL|EAFNOSUPPORT/.test(String(error))) return t.skip('no IPv6 loopback here')
    throw error
  }
  const text = hints(served)
  assert.ok(text.includes(`docker pull [::1]:${served.registry.port}/app:v1   (first add {"insecure-registries": ["[::1]:${served.registry.port}"]}`), text)
})

test('a long list is cut, pointing at the catalog', async (t) => {
  const served = await serving(t, { listen: '127.0.0.1:0' })
  const text = serveHints({ url: served.registry.url, wildcard: false }, served.registry.registry, 1)
  assert.ok(text.startsWith(`  ${served.host}/app:v1\n  ... 1 more: curl -s ${served.registry.url}/v2/_catalog\n`), text)
})
