// Imports the runtime's API from the runfiles (LOCALREGISTRY_RUNTIME, the bundle), starts a second
// registry from the manifest with startRegistry() and pulls every tagged image with pull();
// also checks that the registry localregistry_test started serves the same digests.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const { startRegistry, pull, ManifestError } = await import(pathToFileURL(process.env.LOCALREGISTRY_RUNTIME).href)
assert.equal(typeof ManifestError, 'function', 'the error classes are exported too')
const expected = readFileSync(process.env.EXPECTED_DIGESTS, 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split(' '))

for (const [ref, digest] of expected) {
  const at = ref.includes('@') ? ref.indexOf('@') : ref.lastIndexOf(':')
  const [repository, tag] = [ref.slice(0, at), ref.slice(at + 1)]
  const response = await fetch(`${process.env.LOCALREGISTRY_URL}/v2/${repository}/manifests/${tag}`, { method: 'HEAD' })
  assert.equal(response.headers.get('docker-content-digest'), digest, `${ref} from the wrapper's registry`)
}

await using registry = await startRegistry({ manifests: [process.env.IMAGES_MANIFEST], listen: '127.0.0.1:0' })
for (const [ref, digest] of expected) {
  const out = join(process.env.TEST_TMPDIR, ref.replaceAll(/[/:@]/g, '_'))
  const result = await pull(`${registry.host}:${registry.port}/${ref}`, out)
  assert.equal(result.digest, digest, `${ref} pulled with the API`)
  console.log(`ok ${ref} ${digest}`)
}
