// serve's launcher options, run in-process through main(): what is written, and when.
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, test } from 'node:test'
import { Agent, fetch } from 'undici'
import { serverTls } from '../tls/index.ts'
import { issueCertificate } from '../tls/issue.ts'
import { buildFixtureLayout } from '../testing/index.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { main } from './main.ts'
import { LAUNCHER_ARGS, tlsOption } from './launcher-options.ts'
import { parseServeArgs } from './serve.ts'

interface Serving {
  url: string
  stderr(): string
  /** Files that existed when the URL was printed. */
  presentAtUrl: Set<string>
  stop(): Promise<number>
}

/** Runs `serve ARGS` in this process until stop(); resolves once the URL is printed. */
async function serve(args: string[], watch: string[] = []): Promise<Serving> {
  const controller = new AbortController()
  let stderr = ''
  const presentAtUrl = new Set<string>()
  let announce: (url: string) => void = () => {}
  const announced = new Promise<string>((resolve) => (announce = resolve))
  const io = {
    stdout: {
      write: (chunk: string): boolean => {
        for (const file of watch) if (existsSync(file)) presentAtUrl.add(file)
        announce(chunk.trim())
        return true
      },
    },
    stderr: { write: (chunk: string): boolean => ((stderr += chunk), true) },
  }
  const exit = main(['serve', '--listen', '127.0.0.1:0', ...args], io, controller.signal)
  const url = await Promise.race([announced, exit.then((code) => Promise.reject(new Error(`serve exited ${code}: ${stderr}`)))])
  return {
    url,
    stderr: () => stderr,
    presentAtUrl,
    stop: () => {
      controller.abort()
      return exit
    },
  }
}

describe('serve --tls', () => {
  test('generates a certificate; --ca-out and --client-config are written before the https URL is announced', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    const caOut = join(dir, 'ca.pem')
    const config = join(dir, 'config')
    const hostsToml = join(config, 'containerd/certs.d/docker.io/hosts.toml')
    const server = await serve(
      ['--image', `library/app:1.0=${app.dir}`, '--tls', '--hostname', 'localhost', '--ca-out', caOut, '--client-config', config, '--mirror-for', 'docker.io'],
      [caOut, hostsToml],
    )
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/)
      assert.deepEqual([...server.presentAtUrl].sort(), [caOut, hostsToml].sort())
      const ca = await readFile(caOut, 'utf8')
      assert.equal(await readFile(join(config, 'ca.crt'), 'utf8'), ca)
      assert.match(await readFile(hostsToml, 'utf8'), new RegExp(`^\\[host\\."${server.url}"\\]$`, 'm'))
      const dispatcher = new Agent({ connect: { ca } })
      t.after(() => dispatcher.close())
      const port = new URL(server.url).port
      const response = await fetch(`https://localhost:${port}/v2/library/app/manifests/1.0?ns=docker.io`, { method: 'HEAD', dispatcher })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('docker-content-digest'), app.digest)
      assert.match(server.stderr(), /wrote client configuration for docker\.io via https:\/\/127\.0\.0\.1:\d+ to /)
    } finally {
      assert.equal(await server.stop(), 0)
    }
  })

  test('--advertise HOST puts that name, with the port listened on, into the client configuration and the certificate', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    const config = join(dir, 'config')
    const server = await serve(['--image', `app:1=${app.dir}`, '--tls', '--advertise', 'localhost', '--client-config', config, '--mirror-for', 'ghcr.io'])
    try {
      const port = new URL(server.url).port
      assert.match(await readFile(join(config, 'containerd/certs.d/ghcr.io/hosts.toml'), 'utf8'), new RegExp(`^server = "https://localhost:${port}"$`, 'm'))
      const dispatcher = new Agent({ connect: { ca: await readFile(join(config, 'ca.crt'), 'utf8') } })
      t.after(() => dispatcher.close())
      assert.equal((await fetch(`https://localhost:${port}/v2/`, { dispatcher })).status, 200)
    } finally {
      await server.stop()
    }
  })

  test('the generated keys are ECDSA P-256; --tls-key-type rsa makes them RSA 2048', async () => {
    for (const [args, keyType] of [
      [[], 'ec'],
      [['--tls-key-type', 'ecdsa'], 'ec'],
      [['--tls-key-type', 'rsa'], 'rsa'],
    ] as const) {
      const options = parseServeArgs(['--image', 'a=dir', '--tls', ...args])
      assert.ok(options !== undefined)
      const tls = await tlsOption(options.launcher)
      assert.ok(tls !== undefined && !('cert' in tls))
      const { cert } = await serverTls(tls, '127.0.0.1')
      assert.equal(new X509Certificate(cert).publicKey.asymmetricKeyType, keyType, args.join(' '))
    }
  })

  test('--tls-cert and --tls-key serve a given certificate', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    const issued = await issueCertificate({ dns: [], ips: ['127.0.0.1'] })
    const { writeFile } = await import('node:fs/promises')
    await writeFile(join(dir, 'cert.pem'), issued.certificate)
    await writeFile(join(dir, 'key.pem'), issued.privateKey)
    const server = await serve(['--image', `app:1=${app.dir}`, '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')])
    try {
      const dispatcher = new Agent({ connect: { ca: issued.caCertificate } })
      t.after(() => dispatcher.close())
      assert.equal((await fetch(`${server.url}/v2/`, { dispatcher })).status, 200)
    } finally {
      await server.stop()
    }
  })
})

/** Every file under `dir` (relative path → content). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
  return new Map(await Promise.all(files.map(async (f) => [relative(dir, f), await readFile(f, 'utf8')] as const)))
}

describe('serve launcher options: the announced files of a start that fails', () => {
  test("a second instance that fails (--ready-file cannot be written) leaves the first one's --ca-out, --client-config and ready file alone", async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    await writeFile(join(dir, 'not-a-directory'), '')
    const caOut = join(dir, 'ca.pem')
    const launcher = ['--image', `library/app:1.0=${app.dir}`, '--tls', '--ca-out', caOut, '--client-config', join(dir, 'cc'), '--mirror-for', 'docker.io']
    const first = await serve([...launcher, '--ready-file', join(dir, 'ready')])
    try {
      const before = await snapshot(dir)
      let stderr = ''
      let stdout = ''
      const io = { stdout: { write: (chunk: string) => ((stdout += chunk), true) }, stderr: { write: (chunk: string) => ((stderr += chunk), true) } }
      const code = await main(
        ['serve', '--listen', '127.0.0.1:0', ...launcher, '--ready-file', join(dir, 'not-a-directory', 'ready')],
        io,
        new AbortController().signal,
      )
      assert.equal(code, 1)
      assert.deepEqual(await snapshot(dir), before, 'every file as the first instance wrote it, and no temp file')
      assert.equal(stdout, '')
      assert.match(stderr, /^localregistry: --ready-file \S+\/not-a-directory\/ready: ENOTDIR[^\n]*\n$/)
      // The first instance's clients still trust it.
      const dispatcher = new Agent({ connect: { ca: await readFile(caOut, 'utf8') } })
      t.after(() => dispatcher.close())
      assert.equal((await fetch(`${first.url}/v2/`, { dispatcher })).status, 200)
    } finally {
      assert.equal(await first.stop(), 0)
    }
  })
})

describe('serve launcher options: bad combinations are usage errors', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--tls-cert', 'c.pem'], /--tls-cert FILE and --tls-key FILE go together/],
    [['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--hostname', 'x'], /a --tls-cert certificate has its own names/],
    [['--hostname', 'x'], /add --tls/],
    [['--ca-out', 'ca.pem'], /--ca-out .* needs --tls/],
    [['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--ca-out', 'ca.pem'], /--ca-out .* needs --tls/],
    [['--mirror-for', 'docker.io'], /--mirror-for HOST goes into --client-config DIR/],
    [['--client-config', 'out'], /add --mirror-for HOST/],
    [['--tls', '--advertise', 'x'], /--advertise is the address written into --client-config/],
    [['--client-config', 'out', '--mirror-for', 'https://docker.io'], /"https:\/\/docker\.io" is not a registry host/],
    [['--client-config', 'out', '--mirror-for', 'docker.io', '--advertise', 'a b'], /"a b" is not a registry host/],
    [['--client-config', 'out', '--mirror-for', 'docker.io', '--listen', '0.0.0.0:0'], /every interface, .* add --advertise HOST\[:PORT\]/],
    [['--client-config', 'out', '--mirror-for', 'docker.io', '--listen', '[::]:5000'], /every interface/],
    [['--tls-key-type', 'rsa'], /--tls-key-type is the key of the certificate --tls generates: add --tls/],
    [['--tls', '--tls-key-type', 'dsa'], /--tls-key-type dsa: give ecdsa or rsa/],
  ]
  for (const [args, message] of cases) {
    test(args.join(' '), () => {
      assert.throws(() => parseServeArgs(['--image', 'a=dir', ...args]), { code: 'ERR_LOCALREGISTRY_USAGE', message })
    })
  }

  test('an unreadable --tls-cert exits 2 with one line', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const app = await buildFixtureLayout(join(dir, 'app'), { kind: 'image', name: 'app' })
    let stderr = ''
    const io = { stdout: { write: () => true }, stderr: { write: (chunk: string) => ((stderr += chunk), true) } }
    const code = await main(['serve', '--image', `a=${app.dir}`, '--tls-cert', '/no/such.pem', '--tls-key', '/no/such.key'], io, new AbortController().signal)
    assert.equal(code, 2)
    assert.match(stderr, /^localregistry: --tls-cert \/no\/such\.pem: ENOENT[^\n]*\n$/)
  })
})

test('serve --help explains every launcher option and where to listen for a node', async () => {
  let stdout = ''
  const io = { stdout: { write: (chunk: string) => ((stdout += chunk), true) }, stderr: { write: () => true } }
  assert.equal(await main(['serve', '--help'], io, new AbortController().signal), 0)
  for (const option of Object.keys(LAUNCHER_ARGS)) assert.ok(stdout.includes(`--${option}`), option)
  // A connector per guest connection: a -tcp: target carries only the first (e2e/rules vm_pod_test, checks/vm_pod.ts).
  const recipe = /guestfwd=tcp:10\.42\.0\.82:5000-cmd:nc -N 127\.0\.0\.1 PORT\n/
  assert.match(stdout, recipe)
  assert.match(stdout, /veth/)
  const readme = await readFile(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
  assert.match(readme, recipe, 'the README gives the recipe serve --help gives')
})
