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
      'skopeo inspect --tls-verify=false docker://',
      'crane manifest --insecure ',
      'docker pull ',
      'insecure-registries',
      'ctr images pull --plain-http ',
      'podman pull --tls-verify=false ',
    ]) {
      assert.ok(text.includes(command), command)
    }
    const manifest = demo.registry.registry.repository('demo/app')?.manifests.values().next().value
    layouts = manifest?.ref.source.location
    assert.ok(layouts !== undefined && existsSync(layouts))
  }
  assert.equal(existsSync(layouts), false, 'close removes the layouts')
})
