// The CLI as a user runs it: a child process, its stdout, stderr, exit code and signals.

import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, type TestContext, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { MANIFEST_MEDIA_TYPES, REF_NAME_ANNOTATION, readLayout, writeLayout } from '../oci/index.ts'
import { buildFixtureLayout } from '../testing/index.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { startFakeRegistry } from '../../test/support/fake-registry.ts'
import { parseImageOption } from './serve.ts'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
/** Only what the CLI needs: no RUNFILES_* from the environment the tests run in. */
const BASE_ENV = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' }

interface Result {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

function start(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
  stdin: 'ignore' | 'pipe' = 'ignore',
): { child: ChildProcess; result: Promise<Result> } {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...BASE_ENV, ...env }, stdio: [stdin, 'pipe', 'pipe'], cwd })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const result = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr }))
  return { child, result }
}

function run(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return start(args, env).result
}

/** Starts `serve`, waits for the URL line, and returns it with a stop function that sends a signal. */
async function serve(
  args: string[],
  env: Record<string, string> = {},
  stdin: 'ignore' | 'pipe' = 'ignore',
): Promise<{ url: string; stop(signal?: NodeJS.Signals): Promise<Result>; child: ChildProcess; result: Promise<Result> }> {
  const { child, result } = start(['serve', '--listen', '127.0.0.1:0', ...args], env, undefined, stdin)
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (d: string) => {
      out += d
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')))
    })
    void result.then((r) => reject(new Error(`serve exited (${r.code}) before printing a URL: ${r.stderr}`)))
  })
  return {
    url,
    child,
    result,
    async stop(signal = 'SIGTERM') {
      child.kill(signal)
      return result
    },
  }
}

async function manifestDigest(url: string, repository: string, reference: string): Promise<string | null> {
  const response = await fetch(`${url}/v2/${repository}/manifests/${reference}`, { headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') } })
  await response.arrayBuffer()
  return response.status === 200 ? response.headers.get('docker-content-digest') : `HTTP ${response.status}`
}

describe('localregistry serve', () => {
  test('stdout is exactly the URL; the ready file holds it; SIGTERM exits 0 and removes it', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    const ready = join(dir, 'ready')
    await writeFile(ready, 'http://stale.invalid:1\n')
    const server = await serve(['--image', `app:v1=${app.dir}`, '--ready-file', ready])
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(await readFile(ready, 'utf8'), `${server.url}\n`)
    assert.equal(await manifestDigest(server.url, 'app', 'v1'), app.digest)
    const result = await server.stop('SIGTERM')
    assert.deepEqual([result.code, result.signal], [0, null])
    assert.equal(result.stdout, `${server.url}\n`)
    const host = new URL(server.url).host
    assert.ok(
      result.stderr.startsWith(`localregistry: serving 1 repository, 1 tag, 1 manifest at ${server.url}; Ctrl-C stops\n  ${host}/app:v1\n`),
      result.stderr,
    )
    assert.ok(result.stderr.includes(`  skopeo copy --src-tls-verify=false docker://${host}/app:v1 oci:/tmp/image\n`), result.stderr)
    assert.equal(existsSync(ready), false)
  })

  test('SIGINT also exits 0; --log-requests logs to stderr only', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    const server = await serve(['--image', `app=${app.dir}`, '--log-requests'])
    assert.equal(await manifestDigest(server.url, 'app', 'latest'), app.digest)
    const result = await server.stop('SIGINT')
    assert.equal(result.code, 0)
    assert.equal(result.stdout, `${server.url}\n`)
    assert.match(result.stderr, /GET \/v2\/app\/manifests\/latest 200/)
  })

  test('--image with a multi-ref layout: every ref name a tag; REPO:TAG picks one; REPO:= digest only', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const a = await buildFixtureLayout(join(dir, 'a'), { kind: 'image', name: 'a' })
    const b = await buildFixtureLayout(join(dir, 'b'), { kind: 'docker', name: 'b' })
    const [ea] = (await readLayout(a.dir)).entries
    const [eb] = (await readLayout(b.dir)).entries
    assert.ok(ea !== undefined && eb !== undefined)
    const multi = join(dir, 'multi')
    await writeLayout(multi, [
      { ref: ea.ref, annotations: { [REF_NAME_ANNOTATION]: '1.0' } },
      { ref: eb.ref, annotations: { [REF_NAME_ANNOTATION]: 'example.com/tools:2.0' } },
    ])
    const server = await serve(['--image', `tools=${multi}`, '--image', `pick:2.0=${multi}`, '--image', `pinned:=${multi}`])
    try {
      assert.equal(await manifestDigest(server.url, 'tools', '1.0'), a.digest)
      assert.equal(await manifestDigest(server.url, 'tools', '2.0'), b.digest)
      assert.equal(await manifestDigest(server.url, 'pick', '2.0'), b.digest)
      assert.equal(await manifestDigest(server.url, 'pick', '1.0'), 'HTTP 404')
      assert.equal(await manifestDigest(server.url, 'pinned', a.digest), a.digest)
      assert.equal(await manifestDigest(server.url, 'pinned', b.digest), b.digest)
      const tags = (await (await fetch(`${server.url}/v2/pinned/tags/list`)).json()) as { tags: string[] }
      assert.deepEqual(tags.tags, [])
    } finally {
      await server.stop()
    }
  })

  test('--manifest with a runfiles tree (discovered, RUNFILES_DIR, --runfiles) and manifest-only runfiles', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const real = join(dir, 'bazel-out', 'bin', 'images', 'app')
    const app = await buildFixtureLayout(real, { kind: 'index', name: 'bazel' })
    const tree = join(dir, 'bin', 'test.runfiles')
    await mkdir(join(tree, '_main', 'images'), { recursive: true })
    await symlink(real, join(tree, '_main', 'images', 'app'))
    const text = 'images {\n  repository: "app"\n  tag: "latest"\n  path: "_main/images/app"\n}\n'
    const inTree = join(tree, '_main', 'images', 'images.prototxt')
    await writeFile(inTree, text)
    const outside = join(dir, 'images.prototxt')
    await writeFile(outside, text)
    const runfilesManifest = join(dir, 'bin', 'test.runfiles_manifest')
    await writeFile(runfilesManifest, `_main/images/images.prototxt ${outside}\n_main/images/app ${real}\n`)

    const cases: [string, string[], Record<string, string>][] = [
      ['tree holding the manifest', ['--manifest', inTree], {}],
      ['RUNFILES_DIR', ['--manifest', outside], { RUNFILES_DIR: tree }],
      ['--runfiles DIR', ['--manifest', outside, '--runfiles', tree], {}],
      ['RUNFILES_MANIFEST_FILE', ['--manifest', outside], { RUNFILES_MANIFEST_FILE: runfilesManifest, RUNFILES_MANIFEST_ONLY: '1' }],
      ['--runfiles MANIFEST', ['--manifest', outside, '--runfiles', runfilesManifest], {}],
    ]
    for (const [name, args, env] of cases) {
      const server = await serve(args, env)
      try {
        assert.equal(await manifestDigest(server.url, 'app', 'latest'), app.digest, name)
      } finally {
        assert.equal((await server.stop()).code, 0, name)
      }
    }
    const missing = await run(['serve', '--manifest', outside])
    assert.equal(missing.code, 1)
    assert.match(
      missing.stderr,
      /^localregistry: image app:latest \(.*images\.prototxt:1\): runfiles path "_main\/images\/app" does not resolve: no runfiles found/,
    )
  })

  test('IPv6 [::1]:0 prints a bracketed URL', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    const { child, result } = start(['serve', '--listen', '[::1]:0', '--image', `app:1=${app.dir}`])
    const first = await Promise.race([once(child.stdout!, 'data').then(([d]) => String(d)), result.then(() => '')])
    child.kill('SIGTERM')
    const done = await result
    if (first === '' && /EADDRNOTAVAIL|EAFNOSUPPORT/.test(done.stderr)) return t.skip('no IPv6 loopback here')
    assert.match(first, /^http:\/\/\[::1\]:\d+\n$/)
    assert.equal(done.code, 0)
  })
})

describe('a lifecycle launchers can trust: the ready file and signals', () => {
  async function image(t: TestContext): Promise<{ dir: string; image: string }> {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    return { dir, image: `app:v1=${app.dir}` }
  }

  for (const signal of ['SIGHUP', 'SIGQUIT'] as const) {
    test(`${signal} stops it like SIGTERM: exit 0, ready file removed`, async (t) => {
      const { dir, image: img } = await image(t)
      const ready = join(dir, 'ready')
      const server = await serve(['--image', img, '--ready-file', ready])
      assert.equal(await readFile(ready, 'utf8'), `${server.url}\n`)
      const result = await server.stop(signal)
      assert.deepEqual([result.code, result.signal], [0, null])
      assert.equal(existsSync(ready), false)
    })
  }

  test('--stop-on-stdin-close: the end of stdin stops it like SIGTERM (exit 0, ready file removed); serving until then', async (t) => {
    const { dir, image: img } = await image(t)
    const ready = join(dir, 'ready')
    const server = await serve(['--image', img, '--ready-file', ready, '--stop-on-stdin-close'], {}, 'pipe')
    // Data on stdin is not an end: it keeps serving.
    server.child.stdin?.write('anything\n')
    assert.match((await manifestDigest(server.url, 'app', 'v1')) ?? '', /^sha256:/)
    server.child.stdin?.end()
    const result = await server.result
    assert.deepEqual([result.code, result.signal], [0, null])
    assert.match(result.stderr, /\nlocalregistry: standard input closed \(--stop-on-stdin-close\): stopping\n$/)
    assert.equal(existsSync(ready), false)
  })

  test('--stop-on-stdin-close with stdin open: SIGTERM still stops it and the process exits', async (t) => {
    const { image: img } = await image(t)
    const server = await serve(['--image', img, '--stop-on-stdin-close'], {}, 'pipe')
    const result = await server.stop('SIGTERM')
    assert.deepEqual([result.code, result.signal], [0, null])
    assert.ok(!result.stderr.includes('standard input closed'), result.stderr)
  })

  test('--stop-on-stdin-close with stdin at its end from the start (/dev/null): stops by itself, exit 0', async (t) => {
    const { image: img } = await image(t)
    const result = await run(['serve', '--image', img, '--listen', '127.0.0.1:0', '--stop-on-stdin-close'])
    assert.equal(result.code, 0)
    // Whether the end came before or after the URL was announced is a race: either is a stop.
    assert.match(result.stderr, /(^|\n)localregistry: standard input closed \(--stop-on-stdin-close\): stopping\n/)
  })

  test("a second instance that fails (port in use) leaves the first one's ready file alone", async (t) => {
    const { dir, image: img } = await image(t)
    const ready = join(dir, 'ready')
    const first = await serve(['--image', img, '--ready-file', ready])
    const second = await run(['serve', '--image', img, '--listen', new URL(first.url).host, '--ready-file', ready])
    assert.equal(second.code, 1)
    assert.match(second.stderr, /^localregistry: .*EADDRINUSE[^\n]*\n$/)
    assert.equal(second.stdout, '')
    assert.equal(await readFile(ready, 'utf8'), `${first.url}\n`)
    // A start that fails while loading leaves it alone too.
    const bad = await run(['serve', '--image', `app=${join(dir, 'missing')}`, '--ready-file', ready])
    assert.equal(bad.code, 1)
    assert.equal(await readFile(ready, 'utf8'), `${first.url}\n`)
    assert.deepEqual((await readdir(dir)).sort(), ['app', 'ready'], 'no temp files left behind')
    assert.equal((await first.stop()).code, 0)
    assert.equal(existsSync(ready), false)
  })

  test('a ready file that cannot be written fails the start (exit 1, not bad usage): one line naming it, no URL, nothing left', async (t) => {
    const { dir, image: img } = await image(t)
    const result = await run(['serve', '--image', img, '--listen', '127.0.0.1:0', '--ready-file', join(dir, 'missing', 'ready')])
    assert.equal(result.code, 1)
    assert.ok(!result.stderr.includes('.tmp'), result.stderr)
    assert.match(result.stderr, /^localregistry: --ready-file \S+\/missing\/ready: ENOENT[^\n]*\n$/)
    assert.equal(result.stdout, '')
    assert.deepEqual(await readdir(dir), ['app'])
  })

  test('an instance removes the ready file only while it is still the one it wrote', async (t) => {
    const { dir, image: img } = await image(t)
    const ready = join(dir, 'ready')
    const first = await serve(['--image', img, '--ready-file', ready])
    const second = await serve(['--image', img, '--ready-file', ready])
    assert.equal(await readFile(ready, 'utf8'), `${second.url}\n`)
    assert.equal((await first.stop()).code, 0)
    assert.equal(await readFile(ready, 'utf8'), `${second.url}\n`, "the first instance's exit leaves the second's file")
    assert.equal((await second.stop()).code, 0)
    assert.equal(existsSync(ready), false)

    // Written over in place (same inode, other content): not ours any more either.
    const third = await serve(['--image', img, '--ready-file', ready])
    await writeFile(ready, 'http://127.0.0.1:1\n')
    assert.equal((await third.stop()).code, 0)
    assert.equal(await readFile(ready, 'utf8'), 'http://127.0.0.1:1\n')
  })

  test('a wildcard --listen warns on stderr and announces a loopback URL that pull uses over plain HTTP', async (t) => {
    const { dir, image: img } = await image(t)
    const ready = join(dir, 'ready')
    const server = await serve(['--image', img, '--listen', '0.0.0.0:0', '--ready-file', ready])
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.equal(await readFile(ready, 'utf8'), `${server.url}\n`)
      const port = new URL(server.url).port
      for (const host of [`127.0.0.1:${port}`, `0.0.0.0:${port}`]) {
        const pulled = await run(['pull', `${host}/app:v1`, join(dir, `out-${host.split(':')[0]}`)])
        assert.equal(pulled.code, 0, `${host}: ${pulled.stderr}`)
      }
    } finally {
      const result = await server.stop()
      assert.match(result.stderr, /^localregistry: warning: --listen 0\.0\.0\.0:0 listens on every interface: .* use http:\/\/127\.0\.0\.1:\d+ /)
      const [, serving, ...hints] = result.stderr.trimEnd().split('\n')
      assert.match(serving ?? '', /^localregistry: serving /)
      // The rest is the block of images and pull commands, nothing else.
      assert.ok(
        hints.every((line) => line.startsWith('  ') || line.startsWith('Pull (')),
        result.stderr,
      )
      assert.match(result.stderr, /on another machine pull ADDRESS:PORT/)
    }
  })
})

// Short-lived processes: run a few at once.
describe('bad input: one line on stderr, nothing on stdout, exit 2 (usage) or 1 (load)', { concurrency: 4 }, () => {
  const cases: [string, string[], number, RegExp][] = [
    ['no command', [], 2, /^Usage: localregistry <command>/],
    ['unknown command', ['serf'], 2, /^localregistry: unknown command "serf"/],
    ['unknown option', ['serve', '--imgae', 'x=y'], 2, /^localregistry: Unknown option '--imgae'.*serve --help/],
    ['missing value', ['serve', '--image'], 2, /^localregistry: Option '--image <value>' argument missing/],
    ['nothing to serve', ['serve'], 2, /^localregistry: nothing to serve/],
    ['bad --image', ['serve', '--image', 'app'], 2, /^localregistry: --image app: expected REPO\[:TAG\]=DIR/],
    ['bad repository', ['serve', '--image', 'App:1=/x'], 2, /^localregistry: --image App:1=\/x: "App" is not a valid repository name/],
    ['bad tag', ['serve', '--image', 'app:-1=/x'], 2, /^localregistry: --image app:-1=\/x: "-1" is not a valid tag/],
    ['bad --listen', ['serve', '--image', 'a=/x', '--listen', 'localhost'], 2, /^localregistry: --listen "localhost" is not HOST:PORT/],
    [
      'missing layout',
      ['serve', '--image', 'a:1=/does/not/exist'],
      1,
      /^localregistry: --image a:1=\/does\/not\/exist: OCI layout \/does\/not\/exist does not exist\n$/,
    ],
    [
      'missing manifest',
      ['serve', '--manifest', '/does/not/exist.prototxt'],
      1,
      /^localregistry: failed to read manifest \/does\/not\/exist\.prototxt: ENOENT/,
    ],
    ['bad --runfiles', ['serve', '--image', 'a=/x', '--runfiles', '/does/not/exist'], 1, /^localregistry: --runfiles \/does\/not\/exist: .* does not exist/],
  ]
  for (const [name, args, code, stderr] of cases) {
    test(name, async () => {
      const result = await run(args)
      assert.equal(result.code, code, result.stderr)
      assert.equal(result.stdout, '')
      assert.match(result.stderr, stderr)
      if (code === 1 || name !== 'no command') assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr)
      assert.doesNotMatch(result.stderr, /\n\s+at /)
    })
  }

  test('a malformed manifest names file and line', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const manifest = join(dir, 'm.prototxt')
    await writeFile(manifest, 'images {\n  repository: "a"\n  nmae: "x"\n}\n')
    const result = await run(['serve', '--manifest', manifest])
    assert.equal(result.code, 1)
    assert.equal(result.stderr, `localregistry: ${manifest}:3:3: localregistry.Image: unknown field 'nmae'\n`)
  })

  test('a conflict names both sources', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const a = await buildFixtureLayout(join(dir, 'a'), { kind: 'image', name: 'a' })
    const b = await buildFixtureLayout(join(dir, 'b'), { kind: 'image', name: 'b' })
    const result = await run(['serve', '--image', `app:1=${a.dir}`, '--image', `app:1=${b.dir}`])
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /^localregistry: app:1 is claimed by two images: --image app:1=\S+\/a \(sha256:\w+ in \S+\) and --image app:1=\S+\/b \(sha256:\w+ in \S+\)\. Use another tag, or another repository\n$/,
    )
  })

  test('a port in use exits 1 with one line', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    const server = await serve(['--image', `app=${app.dir}`])
    try {
      const result = await run(['serve', '--image', `app=${app.dir}`, '--listen', new URL(server.url).host])
      assert.equal(result.code, 1)
      assert.match(result.stderr, /^localregistry: .*EADDRINUSE.*\n$/)
    } finally {
      await server.stop()
    }
  })
})

describe('localregistry pull', () => {
  test('pulls from a served image into a layout; stdout is the digest', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'index', name: 'app' })
    const server = await serve(['--image', `app:v1=${app.dir}`])
    try {
      const out = join(dir, 'out')
      const result = await run(['pull', `${new URL(server.url).host}/app:v1`, out])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, `${app.digest}\n`)
      const [entry] = (await readLayout(out)).entries
      assert.equal(entry?.ref.digest, app.digest)
    } finally {
      await server.stop()
    }
  })

  test('a malformed reference is a usage error: exit 2, one line, nothing written', async (t) => {
    const out = (await makeTempDir('test-', t)).join('out')
    const result = await run(['pull', '127.0.0.1:5000/App:v1', out])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^localregistry: .*App.*\n$/)
    assert.equal(result.stdout, '')
  })

  test('credentials in a reference are never printed; neither are control characters a registry sends', async (t) => {
    const out = (await makeTempDir('test-', t)).join('out')
    const withPassword = await run(['pull', 'ci:hunter2@127.0.0.1:5000/app:v1', out])
    assert.equal(withPassword.code, 2)
    assert.match(withPassword.stderr, /^localregistry: invalid image reference "REDACTED@127\.0\.0\.1:5000\/app:v1": credentials do not belong/)
    assert.ok(!withPassword.stderr.includes('hunter2'))

    const hostile = JSON.stringify({ errors: [{ code: 'DENIED', message: 'no \u001b]0;owned\u0007\u001b[2Jway\u009b1m' }] })
    await using registry = await startFakeRegistry({ override: () => ({ status: 403, headers: { 'content-type': 'application/json' }, body: hostile }) })
    const denied = await run(['pull', `${registry.host}/app:v1`, out])
    assert.equal(denied.code, 1)
    assert.match(denied.stderr, /^localregistry: GET http:\/\/127\.0\.0\.1:\d+\/v2\/app\/manifests\/v1: HTTP 403: DENIED: no \]0;owned\[2Jway1m\n$/)
  })
})

describe('help', { concurrency: 4 }, () => {
  for (const args of [['--help'], ['-h'], ['help'], ['serve', '--help'], ['help', 'serve'], ['pull', '--help'], ['help', 'pull']]) {
    test(args.join(' '), async () => {
      const result = await run(args)
      assert.equal(result.code, 0)
      assert.match(result.stdout, /^Usage: localregistry/)
      assert.match(result.stdout, /Examples?:/)
      if (args.includes('serve'))
        for (const option of ['--manifest', '--image', '--listen', '--ready-file', '--runfiles', '--log-requests'])
          assert.ok(result.stdout.includes(option), option)
    })
  }

  test('--version', async () => {
    const result = await run(['--version'])
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/)
  })
})

test('parseImageOption', () => {
  assert.deepEqual(parseImageOption('a/b:v1=dir=x'), { repository: 'a/b', tag: 'v1', layout: 'dir=x', source: '--image a/b:v1=dir=x' })
  assert.deepEqual(parseImageOption('a=dir'), { repository: 'a', layout: 'dir', source: '--image a=dir' })
  assert.deepEqual(parseImageOption('a:=dir'), { repository: 'a', tag: '', layout: 'dir', source: '--image a:=dir' })
  for (const bad of ['a', '=dir', 'a=']) assert.throws(() => parseImageOption(bad), { code: 'ERR_LOCALREGISTRY_USAGE' })
})
