import assert from 'node:assert/strict'
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, test } from 'node:test'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { parseRegistryHost, writeClientConfig } from './index.ts'

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'

describe('writeClientConfig', () => {
  test('containerd, containers-registries and Docker files for each mirrored host', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const { files } = await writeClientConfig(dir, {
      url: 'https://registry.test.internal:5000',
      caCertificate: CA,
      mirrorFor: ['docker.io', 'ghcr.io', 'docker.io'],
      repositories: ['library/app', 'library/a/b', 'org/agent', 'app'],
    })
    assert.deepEqual(files, [
      'ca.crt',
      'containerd/certs.d/docker.io/ca.crt',
      'containerd/certs.d/docker.io/hosts.toml',
      'containerd/certs.d/ghcr.io/ca.crt',
      'containerd/certs.d/ghcr.io/hosts.toml',
      'containers/certs.d/registry.test.internal:5000/ca.crt',
      'containers/registries.conf.d/50-localregistry.conf',
      'docker/certs.d/registry.test.internal:5000/ca.crt',
      'docker/daemon.json',
    ])
    for (const file of files.filter((f) => f.endsWith('.crt'))) assert.equal(await readFile(join(dir, file), 'utf8'), CA, file)
    assert.equal((await stat(join(dir, 'ca.crt'))).mode & 0o777, 0o644)
    assert.deepEqual(await readdir(join(dir, 'containerd/certs.d/ghcr.io')), ['ca.crt', 'hosts.toml'], 'no temp files left')
    assert.equal(
      withoutComments(await readFile(join(dir, 'containerd/certs.d/ghcr.io/hosts.toml'), 'utf8')),
      [
        'server = "https://registry.test.internal:5000"',
        'ca = "ca.crt"',
        '',
        '[host."https://registry.test.internal:5000"]',
        '  capabilities = ["pull", "resolve"]',
        '  ca = "ca.crt"',
        '',
      ].join('\n'),
    )
    assert.equal(
      withoutComments(await readFile(join(dir, 'containers/registries.conf.d/50-localregistry.conf'), 'utf8')),
      [
        '',
        '[[registry]]',
        'prefix = "docker.io"',
        'location = "registry.test.internal:5000"',
        '',
        '[[registry.mirror]]',
        'location = "registry.test.internal:5000"',
        '',
        '[[registry]]',
        'prefix = "ghcr.io"',
        'location = "registry.test.internal:5000"',
        '',
        '[[registry.mirror]]',
        'location = "registry.test.internal:5000"',
        '',
        '[[registry]]',
        'location = "registry.test.internal:5000"',
        '',
        '[aliases]',
        '"app" = "docker.io/library/app"',
        '',
      ].join('\n'),
    )
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'docker/daemon.json'), 'utf8')), { 'registry-mirrors': ['https://registry.test.internal:5000'] })
  })

  test('plain HTTP: no CA files, http:// hosts, insecure registries; no daemon.json without docker.io', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    const { files } = await writeClientConfig(dir, { url: 'http://10.42.0.82:5000', mirrorFor: ['ghcr.io'] })
    assert.deepEqual(files, ['containerd/certs.d/ghcr.io/hosts.toml', 'containers/registries.conf.d/50-localregistry.conf'])
    const hosts = await readFile(join(dir, 'containerd/certs.d/ghcr.io/hosts.toml'), 'utf8')
    assert.match(hosts, /^\[host\."http:\/\/10\.42\.0\.82:5000"\]$/m)
    assert.doesNotMatch(hosts, /ca =/)
    assert.match(await readFile(join(dir, 'containers/registries.conf.d/50-localregistry.conf'), 'utf8'), /^insecure = true$/m)
  })

  test('mirroring the registry address itself lists that prefix once', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await writeClientConfig(dir, { url: 'https://registry.test.internal:5000', caCertificate: CA, mirrorFor: ['registry.test.internal:5000'] })
    const conf = await readFile(join(dir, 'containers/registries.conf.d/50-localregistry.conf'), 'utf8')
    assert.equal(conf.match(/^\[\[registry\]\]$/gm)?.length, 1, conf)
    assert.match(
      await readFile(join(dir, 'containerd/certs.d/registry.test.internal:5000/hosts.toml'), 'utf8'),
      /^server = "https:\/\/registry\.test\.internal:5000"$/m,
    )
  })

  test('bad input is a usage error that names it', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await assert.rejects(writeClientConfig(dir, { url: 'ftp://x', mirrorFor: ['docker.io'] }), { code: 'ERR_LOCALREGISTRY_USAGE', message: /ftp:\/\/x/ })
    await assert.rejects(writeClientConfig(dir, { url: 'https://x:1', mirrorFor: [] }), { code: 'ERR_LOCALREGISTRY_USAGE', message: /--mirror-for/ })
  })

  test('replaces what the last run wrote: a host no longer mirrored loses its files; files it did not write, or that changed since, stay', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await writeClientConfig(dir, { url: 'https://127.0.0.1:5000', caCertificate: CA, mirrorFor: ['docker.io', 'ghcr.io', 'quay.io'] })
    await writeFile(join(dir, 'containerd/certs.d/quay.io/hosts.toml'), 'server = "https://quay.example"\n')
    await mkdir(join(dir, 'containerd/certs.d/registry.test.internal'))
    await writeFile(join(dir, 'containerd/certs.d/registry.test.internal/hosts.toml'), 'mine\n')
    // Spelled another way (relative, a trailing slash): the same directory.
    const { files } = await writeClientConfig(`${relative(process.cwd(), dir)}/`, {
      url: 'https://127.0.0.1:5001',
      caCertificate: CA,
      mirrorFor: ['docker.io'],
    })
    const present = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    assert.deepEqual(
      present.sort(),
      ['.localregistry-written.json', ...files, 'containerd/certs.d/quay.io/hosts.toml', 'containerd/certs.d/registry.test.internal/hosts.toml'].sort(),
    )
    assert.deepEqual(
      await readdir(join(dir, 'containerd/certs.d')).then((d) => d.sort()),
      ['docker.io', 'quay.io', 'registry.test.internal'],
      'ghcr.io is gone',
    )
    assert.match(await readFile(join(dir, 'containerd/certs.d/docker.io/hosts.toml'), 'utf8'), /127\.0\.0\.1:5001/)
  })

  test('a failure replaces nothing and leaves neither temp files nor the directories it made', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await writeClientConfig(dir, { url: 'http://127.0.0.1:5000', mirrorFor: ['ghcr.io'] })
    const before = await readFile(join(dir, 'containerd/certs.d/ghcr.io/hosts.toml'), 'utf8')
    await writeFile(join(dir, 'docker'), 'not a directory\n')
    await assert.rejects(writeClientConfig(dir, { url: 'https://127.0.0.1:5001', caCertificate: CA, mirrorFor: ['ghcr.io', 'docker.io'] }), {
      code: 'ERR_LOCALREGISTRY_OUTPUT_FILE',
      message: /failed to write client configuration to .*: (EEXIST|ENOTDIR)/,
    })
    assert.equal(await readFile(join(dir, 'containerd/certs.d/ghcr.io/hosts.toml'), 'utf8'), before)
    const all = (await readdir(dir, { recursive: true })).sort()
    assert.deepEqual(
      all.filter((p) => p.includes('docker.io') || p.endsWith('.tmp')),
      [],
    )
  })

  test('a directory that cannot be written is a failure (not bad usage) that names it', async (t) => {
    const dir = (await makeTempDir('test-', t)).path
    await writeFile(join(dir, 'file'), '')
    await assert.rejects(writeClientConfig(join(dir, 'file', 'x'), { url: 'https://x:1', mirrorFor: ['a'], caCertificate: CA }), {
      code: 'ERR_LOCALREGISTRY_OUTPUT_FILE',
      message: /failed to write client configuration to .*file\/x: ENOTDIR/,
    })
  })
})

test('parseRegistryHost', () => {
  for (const good of ['docker.io', 'GHCR.io', 'registry.test.internal:5000', '10.42.0.82:5000', '[::1]:5000', '[fd00::1]', 'localhost']) {
    assert.equal(parseRegistryHost(good).address, good.toLowerCase())
  }
  for (const bad of ['', 'https://docker.io', 'docker.io/library', 'a:0', 'a:65536', '[zz]:1', 'a_b', ':5000']) {
    assert.throws(() => parseRegistryHost(bad), { code: 'ERR_LOCALREGISTRY_USAGE' }, bad)
  }
})

function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
}
