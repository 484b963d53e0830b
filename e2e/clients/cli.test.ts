/**
 * Our registry as a child process, the way a harness starts it:
 * `node src/cli/main.ts serve --image ... --manifest ... --listen 127.0.0.1:0
 * --ready-file F`, base URL read from its one stdout line. skopeo and ctr pull
 * from it; SIGTERM stops it with exit 0 and the ready file removed.
 *
 * Run: node_modules/.bin/node --test e2e/clients/cli.test.ts
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test, type TestContext } from 'node:test'
import { startContainerd } from '../tools/containerd.ts'
import { daemonError, startDaemon, type Daemon } from '../tools/exec.ts'
import { haveRoot, haveTools } from '../tools/require-tool.ts'
import { createSkopeo } from '../tools/skopeo.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { buildFixtures, byDigest, reference, type Fixtures } from './fixtures.ts'
import { layoutBlobFiles, readPulledLayout, union } from './pulled.ts'
import { withServerLog } from './server.ts'

const ROOT = join(import.meta.dirname, '..', '..')
/** The project's Node 24 (runs .ts directly); the machine's node may be older. */
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
const CLI = join(ROOT, 'src', 'cli', 'main.ts')

test('the CLI serves what real clients pull', async (t) => {
  if (!haveTools(t, 'skopeo')) return
  await using work = await makeTempDir('e2e-cli-')
  const fixtures = await buildFixtures(work.join('layouts'))
  const readyFile = work.join('ready')
  const manifest = await writeManifest(work.join('runfiles'), fixtures)
  const args = [CLI, 'serve', ...imageArgs(fixtures), '--manifest', manifest.file, '--runfiles', manifest.runfiles]
  args.push('--listen', '127.0.0.1:0', '--ready-file', readyFile, '--log-requests')
  await using cli = startDaemon(NODE, args, { stopTimeoutMs: 10_000 })
  const url = await firstStdoutLine(cli)
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'stdout starts with the base URL')
  assert.equal(await readFile(readyFile, 'utf8'), `${url}\n`, 'the ready file holds the URL')
  const host = new URL(url).host
  const step = (name: string, body: (t: TestContext) => Promise<void>): Promise<void> =>
    t.test(name, async (t) => {
      const start = cli.output().length
      try {
        await body(t)
      } catch (error) {
        throw withServerLog(error, cli.output().slice(start).split('\n'))
      }
    })

  await step('skopeo: raw manifests by tag and digest, copy --all, list-tags', async () => {
    await using skopeo = await createSkopeo({ timeoutMs: 30_000 })
    const { image, index, deep, pinned } = fixtures
    for (const tag of image.tags) assert.equal((await skopeo.inspectRaw(reference(host, image, tag))).digest, image.digest)
    assert.equal((await skopeo.inspectRaw(byDigest(host, pinned))).digest, pinned.digest)
    assert.equal((await skopeo.inspectRaw(reference(host, deep))).digest, deep.digest, 'served from the --manifest')
    const out = work.join('pulled')
    await skopeo.pullToLayout(reference(host, index), out, 'pulled')
    const pulled = await readPulledLayout(out, 'pulled')
    assert.equal(pulled.digest, index.digest)
    assert.deepEqual(pulled.manifests, index.manifests)
    assert.deepEqual(pulled.blobs, index.blobs)
    assert.deepEqual(await layoutBlobFiles(out), union(index.manifests, index.blobs))
    assert.deepEqual(await skopeo.listTags(`${host}/app`), ['latest', 'multi', 'v1'])
    assert.deepEqual(await skopeo.listTags(`${host}/a/b/c`), ['one'])
  })

  await step('ctr: an image, a multi-arch index, a Docker-typed image, a nested index', async (t) => {
    if (!haveTools(t, 'containerd', 'ctr') || !haveRoot(t, 'containerd')) return
    await using ctrd = await startContainerd({ timeoutMs: 30_000 })
    const { image, index, docker, nested } = fixtures
    assert.equal(await ctrd.pull(reference(host, image)), image.digest)
    assert.equal(await ctrd.pull(reference(host, index), { allPlatforms: true }), index.digest)
    assert.equal(await ctrd.pull(reference(host, docker)), docker.digest)
    assert.equal(await ctrd.pull(reference(host, nested)), nested.digest)
    for (const { ref } of await ctrd.images()) {
      const status = await ctrd.image(ref)
      assert.match(status?.status ?? '', /^complete/, ref)
      assert.equal(status?.unpacked, true, ref)
    }
  })

  await step('SIGTERM: exit 0, ready file removed, one line on stdout', async () => {
    cli.child.kill('SIGTERM')
    const exit = await cli.exited
    assert.deepEqual(exit, { code: 0, signal: null }, `exit of ${cli.command}`)
    await assert.rejects(stat(readyFile), { code: 'ENOENT' })
    assert.equal(stdoutOf(cli), `${url}\n`)
  })
})

/** Every fixture but `deep` as `--image REPO[:TAG]=DIR` (`REPO:=DIR` for digest-only). */
function imageArgs(fixtures: Fixtures): string[] {
  return Object.values(fixtures)
    .filter((fixture) => fixture.key !== 'deep')
    .flatMap((fixture) =>
      (fixture.tags.length === 0 ? [`${fixture.repository}:`] : fixture.tags.map((tag) => `${fixture.repository}:${tag}`)).map(
        (name) => `${name}=${fixture.layout}`,
      ),
    )
    .flatMap((value) => ['--image', value])
}

/** A Bazel-style manifest serving `deep` from a runfiles tree (`_main/images/deep` links to its layout). */
async function writeManifest(runfiles: string, fixtures: Fixtures): Promise<{ file: string; runfiles: string }> {
  const { deep } = fixtures
  await mkdir(join(runfiles, '_main', 'images'), { recursive: true })
  await symlink(deep.layout, join(runfiles, '_main', 'images', 'deep'))
  const file = join(runfiles, '_main', 'images.prototxt')
  const tag = deep.tags[0] ?? ''
  await writeFile(file, `images {\n  repository: "${deep.repository}"\n  tag: "${tag}"\n  path: "_main/images/deep"\n}\n`)
  return { file, runfiles }
}

/** Collected stdout of the CLI (startDaemon mixes it with stderr). */
const stdouts = new WeakMap<Daemon, string>()

function stdoutOf(daemon: Daemon): string {
  return stdouts.get(daemon) ?? ''
}

/** Resolves with the first stdout line; rejects with the CLI's output if it exits first or takes over 15 s. */
async function firstStdoutLine(daemon: Daemon): Promise<string> {
  const stdout = daemon.child.stdout
  if (stdout === null) throw new Error('the CLI has no stdout pipe')
  stdout.on('data', (chunk: Buffer) => stdouts.set(daemon, stdoutOf(daemon) + chunk.toString('utf8')))
  const lines = createInterface({ input: stdout })
  const timeout = AbortSignal.timeout(15_000)
  try {
    const [line] = (await Promise.race([
      once(lines, 'line', { signal: timeout }),
      daemon.exited.then(({ code, signal }) => Promise.reject(daemonError(daemon, `the CLI exited (code ${code}, signal ${signal}) before printing its URL`))),
    ])) as [string]
    return line
  } catch (error) {
    if (timeout.aborted) throw daemonError(daemon, 'the CLI printed no URL within 15 s')
    throw error
  }
}
