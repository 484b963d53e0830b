import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, type TestContext, test } from 'node:test'
import { makeTempDir } from '../../../test/support/temp-dir.ts'
import { AuthError } from '../../errors.ts'
import { dockerConfigPath, dockerCredentials } from './docker-config.ts'
import { helperAnswer, writeCredentialHelper } from '../../../test/support/fake-credential-helper.ts'

const HOST = 'registry.example:5000'
const basic = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString('base64')

/** A Docker config dir with `config`, and a bin dir on PATH for fake docker-credential-* helpers. */
async function dockerHome(t: TestContext, config: unknown): Promise<{ env: NodeJS.ProcessEnv; bin: string; dir: string }> {
  const dir = (await makeTempDir('test-', t)).path
  const configDir = join(dir, 'docker')
  const bin = join(dir, 'bin')
  await mkdir(configDir)
  await mkdir(bin)
  await writeFile(join(configDir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config))
  return { env: { DOCKER_CONFIG: configDir, HOME: join(dir, 'home'), PATH: `${bin}:/usr/bin:/bin` }, bin, dir }
}

describe('dockerCredentials', () => {
  test('auths: "auth" (base64 user:password) or username and password, found by host or by URL', async (t) => {
    const { env } = await dockerHome(t, {
      auths: {
        [HOST]: { auth: basic('alice', 'pa:ss') },
        'https://other.example/v1/': { username: 'bob', password: 'hunter2' },
      },
    })
    assert.deepEqual(await dockerCredentials(HOST, { env }), { username: 'alice', password: 'pa:ss' })
    assert.deepEqual(await dockerCredentials('other.example', { env }), { username: 'bob', password: 'hunter2' })
    assert.equal(await dockerCredentials('unknown.example', { env }), undefined)
  })

  test('DOCKER_CONFIG wins over HOME; without a config file, anonymous', async (t) => {
    const { env, dir } = await dockerHome(t, { auths: { [HOST]: { auth: basic('alice', 'x') } } })
    assert.equal(dockerConfigPath(env), join(dir, 'docker', 'config.json'))
    assert.equal(dockerConfigPath({ HOME: '/h' }), '/h/.docker/config.json')
    assert.equal(await dockerCredentials(HOST, { env: { HOME: join(dir, 'nowhere') } }), undefined)
  })

  test('credsStore runs its helper with the host on stdin; credHelpers picks another for one host', async (t) => {
    const { env, bin } = await dockerHome(t, {
      credsStore: 'store',
      credHelpers: { 'special.example': 'special' },
      auths: { [HOST]: { auth: basic('file', 'ignored') } },
    })
    const storeLog = await writeCredentialHelper(bin, 'store', helperAnswer('from-store', 's3cret'))
    const specialLog = await writeCredentialHelper(bin, 'special', helperAnswer('from-special', 'sp3cial'))
    assert.deepEqual(await dockerCredentials(HOST, { env }), { username: 'from-store', password: 's3cret' })
    assert.deepEqual(await dockerCredentials('special.example', { env }), { username: 'from-special', password: 'sp3cial' })
    assert.deepEqual(await dockerCredentials('docker.io', { env }), { username: 'from-store', password: 's3cret' })
    assert.equal(await readFile(storeLog, 'utf8'), `${HOST}\nhttps://index.docker.io/v1/\n`)
    assert.equal(await readFile(specialLog, 'utf8'), 'special.example\n')
  })

  test('a helper that has no credentials means anonymous', async (t) => {
    const { env, bin } = await dockerHome(t, { credsStore: 'store' })
    await writeCredentialHelper(bin, 'store', 'echo "credentials not found in native keychain"; exit 1')
    assert.equal(await dockerCredentials(HOST, { env }), undefined)
  })

  test('identity tokens are not used: anonymous, with a note', async (t) => {
    const { env, bin } = await dockerHome(t, { credHelpers: { [HOST]: 'oauth' }, auths: { 'other.example': { identitytoken: 'refresh-tok' } } })
    await writeCredentialHelper(bin, 'oauth', helperAnswer('<token>', 'refresh-tok'))
    const notes: string[] = []
    assert.equal(await dockerCredentials(HOST, { env, warn: (m) => notes.push(m) }), undefined)
    assert.equal(await dockerCredentials('other.example', { env, warn: (m) => notes.push(m) }), undefined)
    assert.equal(notes.length, 2)
    for (const note of notes) assert.match(note, /identity token .* pulling anonymously/)
    assert.ok(!notes.join().includes('refresh-tok'))
  })

  test('failures are AuthErrors that name the config or helper and repeat no secret', async (t) => {
    const cases: Array<[string, unknown, ((bin: string) => Promise<unknown>) | undefined, RegExp]> = [
      ['malformed config', '{"auths": {"h": {"auth": "c2VjcmV0LXB3"}', undefined, /Docker config .*config\.json is not valid JSON$/],
      ['missing helper', { credsStore: 'absent' }, undefined, /docker-credential-absent for registry\.example:5000, and it is not on PATH/],
      ['helper not a name', { credsStore: '../../bin/sh' }, undefined, /credential helper name "\.\.\/\.\.\/bin\/sh" is not a name/],
      [
        'failing helper',
        { credsStore: 'broken' },
        (bin) => writeCredentialHelper(bin, 'broken', 'echo "keychain locked \u001b[31m" >&2; exit 4'),
        /docker-credential-broken get for .* failed \(exit 4\): keychain locked \u001b\[31m$/,
      ],
      [
        'helper answering junk',
        { credsStore: 'junk' },
        (bin) => writeCredentialHelper(bin, 'junk', 'echo "Secret: s3cret-pw"'),
        /docker-credential-junk get for .* answered with something that is not JSON$/,
      ],
      [
        'auth without a colon',
        { auths: { [HOST]: { auth: Buffer.from('s3cret-pw').toString('base64') } } },
        undefined,
        /"auth" of "registry\.example:5000" is not base64 of user:password$/,
      ],
    ]
    for (const [name, config, setUp, message] of cases) {
      const { env, bin } = await dockerHome(t, config)
      await setUp?.(bin)
      await assert.rejects(dockerCredentials(HOST, { env }), (error: unknown) => {
        assert.ok(error instanceof AuthError, `${name}: ${String(error)}`)
        assert.match(error.message, message, name)
        assert.ok(!/s3cret|c2VjcmV0/.test(error.message), `${name}: ${error.message}`)
        return true
      })
    }
  })

  test('a helper that hangs is given up on', async (t) => {
    const { env, bin } = await dockerHome(t, { credsStore: 'slow' })
    await writeCredentialHelper(bin, 'slow', 'sleep 30')
    await assert.rejects(dockerCredentials(HOST, { env, helperTimeout: 300 }), /docker-credential-slow get for .* did not answer within 0\.3 s/)
  })
})
