// Serves the manifest localregistry_manifest wrote with the project's runtime, taken from
// @rules_localregistry's runfiles, and pulls every image with the project's client: once through
// the CLI (`serve --ready-file`) and once through startRegistry(). Each pulled digest must equal
// the source layout's index.json entry.

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { type Expected, expectedDigest, fail, parseArgs } from './common.ts'
import { rlocation, runfilesMode } from './runfiles.ts'

interface Registry {
  url: string
  close(): Promise<void>
}

interface Runtime {
  startRegistry(options: { manifests: string[]; listen: string }): Promise<Registry>
  pull(ref: string, outDir: string): Promise<{ digest: string }>
}

async function loadRuntime(rlocationPath: string): Promise<Runtime> {
  const file = realpathSync(rlocation(rlocationPath))
  const mod = (await import(pathToFileURL(file).href)) as Partial<Runtime>
  if (typeof mod.startRegistry !== 'function' || typeof mod.pull !== 'function') {
    fail(`${rlocationPath} does not export startRegistry and pull (exports: ${Object.keys(mod).join(', ')})`)
  }
  return mod as Runtime
}

const tmp = process.env['TEST_TMPDIR'] ?? fail('TEST_TMPDIR is not set')
let pulls = 0

async function pullAll(runtime: Runtime, baseUrl: string, images: Expected[], label: string): Promise<void> {
  const host = new URL(baseUrl).host
  for (const image of images) {
    const want = expectedDigest(image.path)
    const ref = image.tag === '' ? `${host}/${image.repository}@${want}` : `${host}/${image.repository}:${image.tag}`
    const out = join(tmp, `pull-${pulls++}`)
    mkdirSync(out, { recursive: true })
    const got = await runtime.pull(ref, out).catch((error: unknown) => fail(`${label}: pull ${ref} failed: ${String(error)}`))
    if (got.digest !== want) fail(`${label}: pull ${ref} returned ${got.digest}, want ${want} (index.json of ${image.path})`)
    const index = readFileSync(join(out, 'index.json'), 'utf8')
    if (!index.includes(want)) fail(`${label}: ${out}/index.json does not list ${want}`)
    console.log(`ok ${label}: ${ref} -> ${got.digest}`)
  }
}

async function expectPullFails(runtime: Runtime, ref: string, why: string): Promise<void> {
  const out = join(tmp, `pull-${pulls++}`)
  mkdirSync(out, { recursive: true })
  const result = await runtime.pull(ref, out).then(
    (r) => r,
    () => undefined,
  )
  if (result !== undefined) fail(`pull ${ref} succeeded (${result.digest}) but ${why}`)
  console.log(`ok: pull ${ref} fails (${why})`)
}

async function startCli(cli: string, manifest: string): Promise<{ url: string; child: ChildProcess }> {
  const node = process.env['LOCALREGISTRY_NODE'] ?? process.execPath
  const ready = join(tmp, 'ready')
  const child = spawn(node, [realpathSync(rlocation(cli)), 'serve', '--manifest', manifest, '--listen', '127.0.0.1:0', '--ready-file', ready], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no URL on stdout within 30s')), 30_000)
    lines.once('line', (line) => {
      clearTimeout(timer)
      resolve(line.trim())
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`serve exited before printing its URL (code ${code}, signal ${signal})`))
    })
  }).catch((error: unknown) => fail(`CLI ${cli}: ${String(error)}`))
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url.replace(/\/$/, ''))) fail(`CLI printed ${JSON.stringify(url)}, want http://127.0.0.1:PORT`)
  if (!existsSync(ready)) fail(`CLI printed its URL but did not write --ready-file ${ready}`)
  return { url, child }
}

async function stopCli(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) fail(`serve exited early with code ${child.exitCode}`)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const runtimePath = args.options.get('runtime') ?? fail('--runtime (rlocation of runtime/localregistry.mjs) is required')
  const cliPath = args.options.get('cli') ?? fail('--cli (rlocation of runtime/localregistry.mjs) is required')
  const manifest = rlocation(args.manifest)
  console.log(`manifest ${args.manifest} (${runfilesMode()} runfiles) at ${manifest}`)
  const runtime = await loadRuntime(runtimePath)

  const { url, child } = await startCli(cliPath, manifest)
  try {
    console.log(`CLI serving at ${url}`)
    await pullAll(runtime, url, args.expected, 'cli')
    const host = new URL(url).host
    await expectPullFails(runtime, `${host}/not/served:latest`, 'the repository is not in the manifest')
    for (const image of args.expected.filter((e) => e.tag === '')) {
      await expectPullFails(runtime, `${host}/${image.repository}:latest`, `${image.key} is digest-only`)
    }
  } finally {
    await stopCli(child)
  }

  const registry = await runtime.startRegistry({ manifests: [manifest], listen: '127.0.0.1:0' })
  try {
    console.log(`startRegistry serving at ${registry.url}`)
    await pullAll(runtime, registry.url, args.expected, 'api')
  } finally {
    await registry.close()
  }
  console.log('PASS')
}

await main()
