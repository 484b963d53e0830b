import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'
import { readLayout, selectEntry } from '../oci/layout.ts'
import * as mt from '../oci/media-types.ts'
import { walkRefs } from '../oci/ref.ts'
import { FIXTURE_KINDS, buildFixtureLayout } from './fixtures.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'

async function tree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {}
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name)
    if (entry.isFile())
      files[relative(dir, path)] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex')
  }
  return files
}

describe('buildFixtureLayout', () => {
  for (const kind of FIXTURE_KINDS) {
    it(`${kind}: is deterministic (built twice, the same files and digests) and loads`, async (t) => {
      const root = (await makeTempDir('test-', t)).path
      const options = { kind, ...(kind === 'large' && { layerSize: 3 * 1024 * 1024 }) }
      const first = await buildFixtureLayout(join(root, 'a'), options)
      const second = await buildFixtureLayout(join(root, 'b'), options)
      assert.equal(first.digest, second.digest)
      assert.deepEqual(await tree(first.dir), await tree(second.dir))
      const layout = await readLayout(first.dir)
      assert.equal(selectEntry(layout, 'latest').ref.digest, first.digest)
      assert.equal(selectEntry(layout, 'latest').ref.mediaType, first.mediaType)
    })
  }

  it('gives different names different content', async (t) => {
    const root = (await makeTempDir('test-', t)).path
    const a = await buildFixtureLayout(join(root, 'a'), { kind: 'image', name: 'a' })
    const b = await buildFixtureLayout(join(root, 'b'), { kind: 'image', name: 'b' })
    const blobsOf = async (dir: string): Promise<string[]> => readdir(join(dir, 'blobs', 'sha256'))
    const bBlobs = new Set(await blobsOf(b.dir))
    assert.deepEqual(
      (await blobsOf(a.dir)).filter((x) => bBlobs.has(x)),
      [],
    )
  })

  it('builds each shape: multi-arch, nested, Docker, rules_oci, many and large layers', async (t) => {
    const root = (await makeTempDir('test-', t)).path
    const kinds = async (kind: (typeof FIXTURE_KINDS)[number], extra = {}): Promise<string[]> => {
      const { dir } = await buildFixtureLayout(join(root, kind), { kind, ...extra })
      const seen: string[] = []
      await walkRefs(selectEntry(await readLayout(dir)).ref, (ref) => void seen.push(ref.mediaType))
      return seen
    }
    assert.deepEqual(await kinds('index'), [mt.OCI_INDEX, mt.OCI_MANIFEST, mt.OCI_MANIFEST])
    assert.deepEqual(await kinds('nested'), [mt.OCI_INDEX, mt.OCI_INDEX, mt.OCI_MANIFEST, mt.OCI_MANIFEST, mt.OCI_MANIFEST])
    assert.deepEqual(await kinds('docker'), [mt.DOCKER_MANIFEST])
    assert.deepEqual(await kinds('rules-oci'), [mt.OCI_MANIFEST])
    assert.deepEqual(Object.keys(JSON.parse(await readFile(join(root, 'rules-oci', 'index.json'), 'utf8'))), ['manifests'])
    const many = selectEntry(await readLayout((await buildFixtureLayout(join(root, 'many'), { kind: 'many-layers' })).dir)).ref
    assert.equal(many.kind === 'image' && many.manifest.layers.length, 20)
    const large = selectEntry(await readLayout((await buildFixtureLayout(join(root, 'large'), { kind: 'large', layerSize: 5 * 1024 * 1024 })).dir)).ref
    assert.ok(large.kind === 'image')
    const layer = large.manifest.layers[0]
    assert.ok(layer !== undefined && layer.size > 5 * 1024 * 1024 && layer.size < 5 * 1024 * 1024 + 4096)
    assert.equal((await stat(join(root, 'large', 'blobs', 'sha256', layer.digest.slice(7)))).size, layer.size)
  })

  it('make-layout CLI prints the entry and writes the layout', async (t) => {
    const out = (await makeTempDir('test-', t)).join('cli')
    const cli = join(import.meta.dirname, 'cli.ts')
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'make-layout', '--kind', 'index', '--out', out, '--name', 'cli'])
    const printed = JSON.parse(stdout)
    const direct = await buildFixtureLayout((await makeTempDir('test-', t)).join('direct'), { kind: 'index', name: 'cli' })
    assert.deepEqual(printed, { digest: direct.digest, mediaType: mt.OCI_INDEX })
    assert.equal(selectEntry(await readLayout(out)).ref.digest, direct.digest)
  })
})
