import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parseListen, startRegistry } from './api.ts'
import { type ContentSource, MANIFEST_MEDIA_TYPES, makeRef, REF_NAME_ANNOTATION, readLayout, writeLayout } from './oci/index.ts'
import { LayoutError } from './errors.ts'
import { buildFixtureLayout } from './testing/index.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'

const ACCEPT = { accept: MANIFEST_MEDIA_TYPES.join(', ') }

async function manifestStatus(url: string, repository: string, reference: string): Promise<{ status: number; digest: string | null }> {
  const response = await fetch(`${url}/v2/${repository}/manifests/${reference}`, { headers: ACCEPT })
  await response.arrayBuffer()
  return { status: response.status, digest: response.headers.get('docker-content-digest') }
}

/** A layout with two entries named v1 and v2 (two different images). */
async function twoEntryLayout(dir: string): Promise<{ dir: string; v1: string; v2: string }> {
  const a = await buildFixtureLayout(join(dir, 'a'), { kind: 'image', name: 'a' })
  const b = await buildFixtureLayout(join(dir, 'b'), { kind: 'index', name: 'b' })
  const [refA] = (await readLayout(a.dir)).entries
  const [refB] = (await readLayout(b.dir)).entries
  assert.ok(refA !== undefined && refB !== undefined)
  const out = join(dir, 'multi')
  await writeLayout(out, [
    { ref: refA.ref, annotations: { [REF_NAME_ANNOTATION]: 'v1' } },
    { ref: refB.ref, annotations: { [REF_NAME_ANNOTATION]: 'docker.io/library/app:v2' } },
  ])
  return { dir: out, v1: a.digest, v2: b.digest }
}

describe('startRegistry', () => {
  test('serves images by tag and by digest; await using closes it', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    const pinned = await buildFixtureLayout(join(dir, 'pinned'), { kind: 'index', name: 'pinned' })
    let url: string
    {
      await using registry = await startRegistry({
        images: [
          { repository: 'app', tag: 'v1', layout: app.dir },
          { repository: 'app', tag: 'latest', layout: app.dir },
          { repository: 'a/b/pinned', tag: '', layout: pinned.dir },
        ],
        listen: '127.0.0.1:0',
      })
      url = registry.url
      assert.equal(registry.host, '127.0.0.1')
      assert.ok(registry.port > 0)
      assert.equal(url, `http://127.0.0.1:${registry.port}`)
      assert.deepEqual(await manifestStatus(url, 'app', 'v1'), { status: 200, digest: app.digest })
      assert.deepEqual(await manifestStatus(url, 'app', 'latest'), { status: 200, digest: app.digest })
      assert.deepEqual(await manifestStatus(url, 'a/b/pinned', pinned.digest), { status: 200, digest: pinned.digest })
      assert.equal((await manifestStatus(url, 'a/b/pinned', 'latest')).status, 404)
    }
    await assert.rejects(fetch(`${url}/v2/`))
  })

  test('without a tag, every index.json entry is served under its ref name', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const multi = await twoEntryLayout(dir)
    await using registry = await startRegistry({ images: [{ repository: 'multi', layout: multi.dir }] })
    assert.deepEqual(await manifestStatus(registry.url, 'multi', 'v1'), { status: 200, digest: multi.v1 })
    assert.deepEqual(await manifestStatus(registry.url, 'multi', 'v2'), { status: 200, digest: multi.v2 })
  })

  test('a tag or refName picks one entry of a multi-entry layout', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const multi = await twoEntryLayout(dir)
    await using registry = await startRegistry({
      images: [
        { repository: 'picked', tag: 'v2', layout: multi.dir },
        { repository: 'renamed', tag: 'stable', refName: 'v1', layout: multi.dir },
      ],
    })
    assert.deepEqual(await manifestStatus(registry.url, 'picked', 'v2'), { status: 200, digest: multi.v2 })
    assert.equal((await manifestStatus(registry.url, 'picked', 'v1')).status, 404)
    assert.deepEqual(await manifestStatus(registry.url, 'renamed', 'stable'), { status: 200, digest: multi.v1 })
    await assert.rejects(startRegistry({ images: [{ repository: 'x', tag: 'v3', layout: multi.dir }] }), {
      code: 'ERR_LOCALREGISTRY_LAYOUT',
      message:
        /^images\[0\] \(x:v3=.*\): OCI layout .* has 2 index\.json entries and none with ref name "v3" \(ref names: "v1", "docker\.io\/library\/app:v2"\)/,
    })
  })

  test('two images on one repository:tag is a ConflictError naming both; the same image twice is fine', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const a = await buildFixtureLayout(join(dir, 'a'), { kind: 'image', name: 'a' })
    const b = await buildFixtureLayout(join(dir, 'b'), { kind: 'image', name: 'b' })
    await assert.rejects(
      startRegistry({
        images: [
          { repository: 'app', tag: 'latest', layout: a.dir },
          { repository: 'app', tag: 'latest', layout: b.dir, source: '--image app:latest=b' },
        ],
      }),
      (error: unknown) => {
        assert.ok(error instanceof Error && 'code' in error && error.code === 'ERR_LOCALREGISTRY_CONFLICT')
        assert.match(
          error.message,
          /^app:latest is claimed by two images: images\[0\] \(app:latest=.*\/a\) \(sha256:\w+ in .*\/a\) and --image app:latest=b \(sha256:\w+ in .*\/b\)\. Use another tag, or another repository$/,
        )
        return true
      },
    )
    await using same = await startRegistry({
      images: [
        { repository: 'app', tag: 'latest', layout: a.dir },
        { repository: 'app', tag: 'latest', layout: a.dir },
      ],
    })
    assert.equal((await manifestStatus(same.url, 'app', 'latest')).status, 200)
  })

  test('among many images, the first broken one (in order) fails the start, with the message of its own load error', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const layouts = await Promise.all(Array.from({ length: 12 }, (_, i) => buildFixtureLayout(join(dir, `i${i}`), { kind: 'image', name: `i${i}` })))
    const [garbled, missing] = [layouts[5]!.dir, layouts[9]!.dir]
    await writeFile(join(garbled, 'index.json'), '{"manifests": [')
    await rm(join(missing, 'oci-layout'))
    const images = layouts.map((layout, i) => ({ repository: `i${i}`, tag: 'latest', layout: layout.dir }))
    await assert.rejects(startRegistry({ images }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_LOCALREGISTRY_MANIFEST')
      const prefix = `images[5] (i5:latest=${garbled}): ${join(garbled, 'index.json')} is not valid JSON: `
      assert.ok(error.message.startsWith(prefix), error.message)
      return true
    })
    await assert.rejects(startRegistry({ images: images.filter((_, i) => i !== 5) }), {
      code: 'ERR_LOCALREGISTRY_LAYOUT',
      message: `images[8] (i9:latest=${missing}): ${join(missing, 'oci-layout')} is missing: ${missing} is not an OCI image layout`,
    })
  })

  test('any bad image fails the start (nothing is served)', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const a = await buildFixtureLayout(join(dir, 'a'), { kind: 'image', name: 'a' })
    await assert.rejects(
      startRegistry({
        images: [
          { repository: 'app', layout: a.dir },
          { repository: 'b', tag: 'x', layout: join(dir, 'missing') },
        ],
      }),
      {
        code: 'ERR_LOCALREGISTRY_LAYOUT',
        message: /^images\[1\] \(b:x=.*missing\): OCI layout .*missing does not exist$/,
      },
    )
    await assert.rejects(startRegistry({ images: [{ repository: 'Bad', layout: a.dir }] }), {
      code: 'ERR_LOCALREGISTRY_USAGE',
      message: /"Bad" is not a valid repository name/,
    })
    await assert.rejects(startRegistry({ images: [{ repository: 'b', tag: 'a:b', layout: a.dir }] }), {
      code: 'ERR_LOCALREGISTRY_USAGE',
      message: /"a:b" is not a valid tag/,
    })
    await assert.rejects(startRegistry({ listen: 'localhost' }), { code: 'ERR_LOCALREGISTRY_USAGE' })
  })

  test('addLayout and addRef while running; conflicts are refused', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const a = await buildFixtureLayout(join(dir, 'a'), { kind: 'image', name: 'a' })
    const b = await buildFixtureLayout(join(dir, 'b'), { kind: 'nested', name: 'b' })
    await using registry = await startRegistry()
    assert.equal((await manifestStatus(registry.url, 'app', 'latest')).status, 404)
    await registry.addLayout({ repository: 'app', tag: 'latest', layout: a.dir })
    assert.deepEqual(await manifestStatus(registry.url, 'app', 'latest'), { status: 200, digest: a.digest })
    await assert.rejects(registry.addLayout({ repository: 'app', tag: 'latest', layout: b.dir }), { code: 'ERR_LOCALREGISTRY_CONFLICT' })
    const [entry] = (await readLayout(b.dir)).entries
    assert.ok(entry !== undefined)
    await registry.addRef('other', 'v1', entry.ref)
    assert.deepEqual(await manifestStatus(registry.url, 'other', 'v1'), { status: 200, digest: b.digest })
    await assert.rejects(registry.addRef('app', 'latest', entry.ref), { code: 'ERR_LOCALREGISTRY_CONFLICT', message: /addRef\(\)/ })
  })

  test('a failed addRef leaves its tag free: a retry with a valid ref is served, not a conflict', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const index = await buildFixtureLayout(join(dir, 'index'), { kind: 'index', name: 'index' })
    const image = await buildFixtureLayout(join(dir, 'image'), { kind: 'image', name: 'image' })
    const [indexEntry] = (await readLayout(index.dir)).entries
    const [imageEntry] = (await readLayout(image.dir)).entries
    assert.ok(indexEntry !== undefined && imageEntry !== undefined)
    // The index itself is fine, but none of its children can be read: the registry refuses it.
    const unreadable: ContentSource = {
      location: 'an unreadable source',
      readManifest: () => Promise.reject(new LayoutError('children unreadable')),
      openBlob: () => Promise.reject(new LayoutError('blobs unreadable')),
    }
    const broken = makeRef(indexEntry.ref.raw, indexEntry.ref.descriptor, unreadable)
    await using registry = await startRegistry()
    await assert.rejects(registry.addRef('app', 'v1', broken), /children unreadable/)
    assert.equal((await manifestStatus(registry.url, 'app', 'v1')).status, 404)
    await registry.addRef('app', 'v1', imageEntry.ref)
    assert.deepEqual(await manifestStatus(registry.url, 'app', 'v1'), { status: 200, digest: image.digest })
    // Once served, the tag is claimed.
    await assert.rejects(registry.addRef('app', 'v1', indexEntry.ref), { code: 'ERR_LOCALREGISTRY_CONFLICT', message: /addRef\(\)/ })
  })

  test('a wildcard listen address gives a URL a client on this machine can use', async () => {
    await using registry = await startRegistry({ listen: '0.0.0.0:0' })
    assert.equal(registry.wildcard, true)
    assert.equal(registry.host, '127.0.0.1')
    assert.equal(registry.url, `http://127.0.0.1:${registry.port}`)
    assert.equal((await fetch(`${registry.url}/v2/`)).status, 200)
    await using local = await startRegistry()
    assert.equal(local.wildcard, false)
    await using secure = await startRegistry({ listen: '0.0.0.0:0', tls: {} })
    assert.equal(secure.url, `https://127.0.0.1:${secure.port}`)
  })

  test('IPv6 [::1]:0', async (t) => {
    let registry
    try {
      registry = await startRegistry({ listen: '[::1]:0' })
    } catch (error) {
      if (error instanceof Error && /EADDRNOTAVAIL|EAFNOSUPPORT/.test(error.message)) return t.skip('no IPv6 loopback here')
      throw error
    }
    await using _ = registry
    assert.match(registry.url, /^http:\/\/\[::1\]:\d+$/)
    assert.equal((await fetch(`${registry.url}/v2/`)).status, 200)
  })
})

describe('startRegistry with Bazel manifests', () => {
  /** A runfiles tree `bin/test.runfiles` holding a manifest and a layout, the way Bazel lays it out. */
  async function bazelTree(dir: string): Promise<{ tree: string; manifest: string; real: string; digest: string }> {
    const real = join(dir, 'bazel-out', 'bin', 'images', 'app')
    const built = await buildFixtureLayout(real, { kind: 'image', name: 'bazel' })
    const tree = join(dir, 'bin', 'test.runfiles')
    await mkdir(join(tree, '_main', 'images'), { recursive: true })
    await symlink(real, join(tree, '_main', 'images', 'app'))
    const manifest = join(tree, '_main', 'images', 'images.prototxt')
    await writeFile(
      manifest,
      'images {\n  repository: "app"\n  tag: "latest"\n  path: "_main/images/app"\n}\nimages {\n  repository: "pinned"\n  path: "_main/images/app"\n}\n',
    )
    return { tree, manifest, real, digest: built.digest }
  }

  test('the runfiles tree holding the manifest', async (t) => {
    const { manifest, digest } = await bazelTree((await makeTempDir('test-', t)).path)
    await using registry = await startRegistry({ manifests: [manifest] })
    assert.deepEqual(await manifestStatus(registry.url, 'app', 'latest'), { status: 200, digest })
    assert.deepEqual(await manifestStatus(registry.url, 'pinned', digest), { status: 200, digest })
    assert.equal((await manifestStatus(registry.url, 'pinned', 'latest')).status, 404)
  })

  test('runfiles: a manifest-only runfiles file with the layout as a directory entry', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const { manifest, real, digest } = await bazelTree(dir)
    const outside = join(dir, 'm.prototxt')
    await writeFile(outside, await import('node:fs/promises').then((fs) => fs.readFile(manifest)))
    const runfilesManifest = join(dir, 'test.runfiles_manifest')
    await writeFile(runfilesManifest, `_main/images/images.prototxt ${outside}\n_main/images/app ${real}\n`)
    await using registry = await startRegistry({ manifests: [outside], runfiles: runfilesManifest })
    assert.deepEqual(await manifestStatus(registry.url, 'app', 'latest'), { status: 200, digest })
  })

  test('a path that does not resolve names the image, the manifest line and where it looked', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const { tree, manifest } = await bazelTree(dir)
    await writeFile(
      manifest,
      'images { repository: "app" tag: "latest" path: "_main/images/app" }\nimages { repository: "gone" tag: "1" path: "_main/images/gone" }\n',
    )
    await assert.rejects(startRegistry({ manifests: [manifest] }), {
      code: 'ERR_LOCALREGISTRY_RUNFILES',
      message: `image gone:1 (${manifest}:2): runfiles path "_main/images/gone" does not resolve: looked in runfiles tree ${tree} (the runfiles tree holding ${manifest}): ${join(tree, '_main/images/gone')} does not exist`,
    })
  })

  test('a manifest and --image claiming one tag conflict, naming both', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const { manifest } = await bazelTree(dir)
    const other = await buildFixtureLayout(join(dir, 'other'), { kind: 'image', name: 'other' })
    await assert.rejects(startRegistry({ manifests: [manifest], images: [{ repository: 'app', tag: 'latest', layout: other.dir }] }), {
      code: 'ERR_LOCALREGISTRY_CONFLICT',
      message: new RegExp(`^app:latest is claimed by two images: ${manifest.replace(/[.+]/g, '\\$&')}:1 .* and images\\[0\\]`),
    })
  })
})

test('the resource limits reach the server: sendTimeoutMs closes a silent connection without answering it', async () => {
  await using registry = await startRegistry({ sendTimeoutMs: 100, maxConnections: 10, blobMemory: 4 * 1024 * 1024 })
  const socket = connect(registry.port, '127.0.0.1')
  let received = 0
  socket.on('data', (data: Buffer) => (received += data.length))
  await once(socket, 'close')
  // With the default 30 s send timeout, the 10 s headers timeout would come first and answer 408.
  assert.equal(received, 0)
})

test('parseListen', () => {
  assert.deepEqual(parseListen('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 })
  assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 })
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 })
  assert.deepEqual(parseListen('0.0.0.0:80'), { host: '0.0.0.0', port: 80 })
  for (const bad of ['5000', ':5000', '::1:0', 'host:', 'host:99999', 'host:port', '[::1]']) {
    assert.throws(() => parseListen(bad), { code: 'ERR_LOCALREGISTRY_USAGE' }, bad)
  }
})
