import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { MANIFEST_MEDIA_TYPES } from '../oci/index.ts'
import { instructions, reference, startDemo } from './demo.ts'

test('the demo serves every image it lists and prints a pull command per client', async () => {
  let layouts: string | undefined
  {
    await using demo = await startDemo({ listen: '127.0.0.1:0' })
    const host = new URL(demo.registry.url).host
    assert.ok(demo.images.length >= 6)
    for (const image of demo.images) {
      const ref = reference(host, image)
      const [, reference_] = ref.split(image.tag === '' ? '@' : `${image.repository}:`)
      const response = await fetch(`${demo.registry.url}/v2/${image.repository}/manifests/${reference_}`, {
        headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
      })
      await response.arrayBuffer()
      assert.equal(response.status, 200, ref)
      assert.equal(response.headers.get('docker-content-digest'), image.digest, ref)
    }
    const text = instructions(demo)
    for (const command of [
      `curl -s ${demo.registry.url}/v2/_catalog`,
      `skopeo copy --src-tls-verify=false docker://${host}/demo/multi-arch:latest oci:`,
      `crane pull --insecure --format=oci ${host}/demo/multi-arch:latest `,
      `docker pull ${host}/demo/multi-arch:latest`,
      'Docker trusts 127.0.0.0/8',
      `ctr images pull --plain-http ${host}/demo/multi-arch:latest`,
      `podman pull --tls-verify=false ${host}/demo/multi-arch:latest`,
    ]) {
      assert.ok(text.includes(command), command)
    }
    const manifest = demo.registry.registry.repository('demo/app')?.manifests.values().next().value
    layouts = manifest?.source.location
    assert.ok(layouts !== undefined && existsSync(layouts))
  }
  assert.equal(existsSync(layouts), false, 'close removes the layouts')
})
