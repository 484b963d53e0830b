// The runtime, runtime/ (scripts/bundle.ts): the committed files are what the sources build to,
// and they run with nothing beside them: copied alone into an empty directory (no node_modules, no
// package.json, no spec/), the entry is the CLI (serving a Bazel manifest, whose schema it embeds)
// and the API (startRegistry and the undici pull client). `serve` runs without runtime/vendor/.

import assert from 'node:assert/strict'
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildFixtureLayout } from '../src/testing/fixtures.ts'
import { run, startDaemon } from './tools/exec.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'

const ROOT = join(import.meta.dirname, '..')
const RUNTIME = join(ROOT, 'runtime')

/** Every file under dir, by path relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort()
}

test('runtime/ is what the sources build to', { timeout: 120_000 }, async () => {
  await using temp = await makeTempDir('bundle-')
  const fresh = temp.join('runtime')
  await run(process.execPath, [join(ROOT, 'scripts', 'bundle.ts'), '--out', fresh], { timeoutMs: 100_000 })
  const built = await filesUnder(fresh)
  assert.deepEqual(
    await filesUnder(RUNTIME),
    built,
    'runtime/ holds other files than the build: run `npm run bundle`, commit the result and remove what it did not write',
  )
  assert.ok(built.includes('localregistry.mjs') && built.length > 1, `the build wrote ${built.join(', ')}`)
  for (const name of built) {
    const [fromSources, committed] = await Promise.all([readFile(join(fresh, name)), readFile(join(RUNTIME, name))])
    assert.ok(fromSources.equals(committed), `runtime/${name} is stale: run \`npm run bundle\` and commit the result`)
    const text = fromSources.toString('utf8')
    assert.ok(!text.includes(ROOT) && !text.includes(temp.path), `runtime/${name} holds an absolute path of the build`)
  }
})

test('the runtime runs alone: CLI and API, without node_modules', { timeout: 120_000 }, async (t) => {
  await using temp = await makeTempDir('bundle-alone-')
  await cp(RUNTIME, temp.join('alone'), { recursive: true })
  const bundle = temp.join('alone', 'localregistry.mjs')
  // The entry alone, without runtime/vendor/: what `serve` needs is all in it.
  await mkdir(temp.join('entry-only'))
  await cp(join(RUNTIME, 'localregistry.mjs'), temp.join('entry-only', 'localregistry.mjs'))
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

  await t.test('serve --manifest: the embedded schema parses it, the layout is served, without runtime/vendor/', async () => {
    const entryOnly = temp.join('entry-only', 'localregistry.mjs')
    const args = [entryOnly, 'serve', '--manifest', manifest, '--runfiles', temp.join('runfiles'), '--listen', '127.0.0.1:0']
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

  await t.test('serve --tls: the certificate code is in the entry too, without runtime/vendor/', async () => {
    const args = [
      temp.join('entry-only', 'localregistry.mjs'),
      'serve',
      '--manifest',
      manifest,
      '--runfiles',
      temp.join('runfiles'),
      '--listen',
      '127.0.0.1:0',
      '--tls',
      '--ca-out',
      temp.join('ca.crt'),
    ]
    await using server = startDaemon(process.execPath, args, { env, cwd: temp.path })
    const url = await firstLine(server)
    assert.match(url, /^https:\/\//)
    assert.match(await readFile(temp.join('ca.crt'), 'utf8'), /BEGIN CERTIFICATE/)
  })
})

async function firstLine(server: ReturnType<typeof startDaemon>): Promise<string> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && !server.hasExited()) {
    const line = /^(https?:\/\/\S+)\n/m.exec(server.output())?.[1]
    if (line !== undefined) return line
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`the bundle's server printed no URL:\n${server.output()}`)
}
