// The npm package, as a rules_js (or any npm) user gets it: `npm pack` builds JavaScript into
// dist/ (Node does not strip types under node_modules, so the package cannot ship .ts), and a
// fresh project that installs the tarball can run the CLI (its `bin`, the committed runtime) and
// start a registry through the API. And the README's promise: in a fresh clone, `npm ci` then
// `npx localregistry` works, with no build.

import assert from 'node:assert/strict'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { delimiter, dirname, join } from 'node:path'
import { test } from 'node:test'
import { run } from './tools/exec.ts'
import { haveTools } from './tools/require-tool.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'

const ROOT = join(import.meta.dirname, '..')
const { version: VERSION } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
// npx runs the `bin` by its hashbang with the `node` on PATH: this test's Node 24, whatever the
// machine's is (a project's own node_modules/.bin still comes first).
const PATH_WITH_NODE = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH].join(delimiter) }

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
  assert.match(listing, /package\/LICENSE/)
  assert.match(listing, /package\/runtime\/localregistry\.mjs/)
  assert.doesNotMatch(listing, /\.test\.(ts|js)|package\/src\//, 'tests and TypeScript sources stay out of the package')

  const project = temp.join('project')
  await run('mkdir', ['-p', project])
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project, timeoutMs: 180_000 })
  assert.ok((await readdir(join(project, 'node_modules', 'localregistry', 'dist'))).includes('index.js'))

  const cli = join(project, 'node_modules', 'localregistry', 'dist', 'cli', 'main.js')
  const help = await run(process.execPath, [cli, 'serve', '--help'])
  assert.match(help.stdout + help.stderr, /--manifest/)

  const version = await run('npx', ['--no-install', 'localregistry', '--version'], { cwd: project, env: PATH_WITH_NODE })
  assert.equal(version.stdout.trim(), VERSION, 'npx localregistry runs the bin of the installed package')

  await writeFile(join(project, 'consumer.mjs'), CONSUMER)
  const result = await run(process.execPath, ['consumer.mjs', temp.join('layout')], { cwd: project })
  const { expected, served } = JSON.parse(result.stdout) as { expected: string; served: string }
  assert.equal(served, expected)
})

test('a fresh clone: npm ci, then npx localregistry runs the CLI with no build', { timeout: 600_000 }, async (t) => {
  if (!haveTools(t, 'npm', 'git')) return
  await using temp = await makeTempDir('npm-clone-')
  const clone = temp.join('clone')
  // The working tree as it is (uncommitted changes too), as release.sh --worktree takes it.
  const commit = (await run('git', ['stash', 'create'], { cwd: ROOT })).stdout.trim() || 'HEAD'
  await run('git', ['clone', '--quiet', '--no-checkout', ROOT, clone], { timeoutMs: 60_000 })
  await run('git', ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', commit], { cwd: clone, timeoutMs: 60_000 })
  await run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: clone, timeoutMs: 480_000 })
  const version = await run('npx', ['--no-install', 'localregistry', '--version'], { cwd: clone, env: PATH_WITH_NODE })
  assert.equal(version.stdout.trim(), VERSION)
  const help = await run('npx', ['--no-install', 'localregistry', 'serve', '--help'], { cwd: clone, env: PATH_WITH_NODE })
  assert.match(help.stdout + help.stderr, /--manifest/)
})
