// The single-file runtime, runtime/localregistry.mjs (scripts/bundle.ts): the committed file is what
// the sources build to, and it runs with nothing beside it: copied alone into an empty directory
// (no node_modules, no package.json, no spec/), it is the CLI (serving a Bazel manifest, whose
// schema it embeds) and the API (startRegistry and the undici pull client).

import assert from 'node:assert/strict'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildFixtureLayout } from '../src/testing/fixtures.ts'
import { run, startDaemon } from './tools/exec.ts'
import { makeTempDir } from './tools/temp-dir.ts'

const ROOT = join(import.meta.dirname, '..')
const BUNDLE = join(ROOT, 'runtime', 'localregistry.mjs')

test('runtime/localregistry.mjs is what the sources build to', { timeout: 120_000 }, async () => {
  await using temp = await makeTempDir('bundle-')
  const fresh = temp.join('localregistry.mjs')
  await run(process.execPath, [join(ROOT, 'scripts', 'bundle.ts'), '--out', fresh], { timeoutMs: 100_000 })
  const [built, committed] = await Promise.all([readFile(fresh), readFile(BUNDLE)])
  assert.ok(built.equals(committed), 'runtime/localregistry.mjs is stale: run `npm run bundle` and commit the result')
  const text = built.toString('utf8')
  assert.ok(!text.includes(ROOT) && !text.includes(temp.path), 'the bundle holds no absolute path of the build')
})

test('the bundle runs alone: CLI and API, without node_modules', { timeout: 120_000 }, async (t) => {
  await using temp = await makeTempDir('bundle-alone-')
  const bundle = temp.join('alone', 'localregistry.mjs')
  await mkdir(temp.join('alone'))
  await copyFile(BUNDLE, bundle)
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  // A runfiles tree holding one layout, and a manifest naming it by its rlocation path.
  const layout = await buildFixtureLayout(temp.join('runfiles', 'ws', 'app'), { kind: 'index', name: 'bundle' })
  const manifest = temp.join('images.prototxt')
  await writeFile(manifest, 'images {\n  path: "ws/app"\n  repository: "app"\n  tag: "v1"\n}\n')
  const env = { PATH: process.env['PATH'] ?? '', HOME: temp.path }

  await t.test('--version and --help', async () => {
    assert.equal((await run(process.execPath, [bundle, '--version'], { env, cwd: temp.path })).stdout, `${pkg.version}\n`)
    assert.match((await run(process.execPath, [bundle, 'serve', '--help'], { env, cwd: temp.path })).stdout, /--manifest FILE/)
  })

  await t.test('serve --manifest: the embedded schema parses it, the layout is served', async () => {
    const args = [bundle, 'serve', '--manifest', manifest, '--runfiles', temp.join('runfiles'), '--listen', '127.0.0.1:0']
    await using server = startDaemon(process.execPath, args, { env, cwd: temp.path })
    const url = await firstLine(server)
    const response = await fetch(`${url}/v2/app/manifests/v1`, { method: 'HEAD' })
    assert.equal(response.status, 200, server.output())
    assert.equal(response.headers.get('docker-content-digest'), layout.digest)
  })

  await t.test('import: startRegistry serves, pull (undici) copies it', async () => {
    const consumer = temp.join('alone', 'consumer.mjs')
    await writeFile(
      consumer,
      `import { startRegistry, pull, LocalRegistryError } from './localregistry.mjs'
await using registry = await startRegistry({ manifests: [process.argv[2]], runfiles: process.argv[3] })
const { digest } = await pull(registry.host + ':' + registry.port + '/app:v1', process.argv[4])
console.log(JSON.stringify({ digest, errors: typeof LocalRegistryError }))
`,
    )
    const { stdout } = await run(process.execPath, [consumer, manifest, temp.join('runfiles'), temp.join('pulled')], { env, cwd: temp.path })
    assert.deepEqual(JSON.parse(stdout), { digest: layout.digest, errors: 'function' })
  })
})

async function firstLine(server: ReturnType<typeof startDaemon>): Promise<string> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && !server.hasExited()) {
    const line = /^(http:\/\/\S+)\n/m.exec(server.output())?.[1]
    if (line !== undefined) return line
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`the bundle's server printed no URL:\n${server.output()}`)
}
