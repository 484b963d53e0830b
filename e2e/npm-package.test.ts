// The npm package, as a rules_js (or any npm) user gets it: `npm pack` builds JavaScript into
// dist/ (Node does not strip types under node_modules, so the package cannot ship .ts), and a
// fresh project that installs the tarball can run the CLI and start a registry through the API.

import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { run } from './tools/exec.ts'
import { haveTools } from './tools/require-tool.ts'
import { makeTempDir } from './tools/temp-dir.ts'

const ROOT = join(import.meta.dirname, '..')

// Runs inside the installed project: only the package's public entry points are used.
const CONSUMER = `
import { startRegistry } from 'localregistry'
import { buildFixtureLayout } from 'localregistry/testing'
const layout = await buildFixtureLayout(process.argv[2], { kind: 'index', name: 'npm-consumer' })
await using registry = await startRegistry({ images: [{ repository: 'app', tag: 'v1', layout: layout.dir }], listen: '127.0.0.1:0' })
const response = await fetch(registry.url + '/v2/app/manifests/v1', { method: 'HEAD' })
console.log(JSON.stringify({ expected: layout.digest, served: response.headers.get('docker-content-digest') }))
`

test('the packed npm package installs and serves through its CLI and API', { timeout: 300_000 }, async (t) => {
  if (!haveTools(t, 'npm')) return
  await using temp = await makeTempDir('npm-package-')
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', temp.path], { cwd: ROOT, timeoutMs: 120_000 })
  const tarball = join(temp.path, stdout.trim().split('\n').at(-1) ?? '')
  const listing = (await run('tar', ['-tzf', tarball])).stdout
  assert.match(listing, /package\/dist\/cli\/main\.js/)
  assert.match(listing, /package\/spec\/manifest\.proto/)
  assert.doesNotMatch(listing, /\.test\.(ts|js)|package\/src\//, 'tests and TypeScript sources stay out of the package')

  const project = temp.join('project')
  await run('mkdir', ['-p', project])
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project, timeoutMs: 180_000 })
  assert.ok((await readdir(join(project, 'node_modules', 'localregistry', 'dist'))).includes('index.js'))

  const cli = join(project, 'node_modules', 'localregistry', 'dist', 'cli', 'main.js')
  const help = await run(process.execPath, [cli, 'serve', '--help'])
  assert.match(help.stdout + help.stderr, /--manifest/)

  await writeFile(join(project, 'consumer.mjs'), CONSUMER)
  const result = await run(process.execPath, ['consumer.mjs', temp.join('layout')], { cwd: project })
  const { expected, served } = JSON.parse(result.stdout) as { expected: string; served: string }
  assert.equal(served, expected)
})
