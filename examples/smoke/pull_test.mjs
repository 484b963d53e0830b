// Pulls smoke:latest from the registry localregistry_test started (LOCALREGISTRY_URL) with the
// OCI Distribution API, as any client would, and checks that the manifest is the one the layout
// (LAYOUT, its runfiles path) tags latest and that every blob it names matches its digest.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const base = process.env.LOCALREGISTRY_URL
assert.ok(base, 'LOCALREGISTRY_URL is not set: run this through localregistry_test')
const index = JSON.parse(readFileSync(join(process.env.LAYOUT, 'index.json'), 'utf8'))
const expected = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'latest')
assert.ok(expected, 'the layout tags no manifest latest')

const digestOf = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

async function get(path, accept) {
  const response = await fetch(`${base}/v2/smoke/${path}`, { headers: { accept } })
  assert.equal(response.status, 200, `GET /v2/smoke/${path}`)
  return { headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) }
}

const manifest = await get('manifests/latest', expected.mediaType)
assert.equal(manifest.headers.get('docker-content-digest'), expected.digest)
assert.equal(digestOf(manifest.bytes), expected.digest)
console.log(`ok smoke:latest ${expected.digest}`)

const { config, layers } = JSON.parse(manifest.bytes.toString('utf8'))
for (const blob of [config, ...layers]) {
  const { bytes } = await get(`blobs/${blob.digest}`, '*/*')
  assert.equal(digestOf(bytes), blob.digest)
  assert.equal(bytes.length, blob.size)
  console.log(`ok blob ${blob.digest}`)
}
