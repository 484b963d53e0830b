/**
 * Credentials and the token service's address (issue 16, item 4): a registry
 * reached over HTTPS whose 401 names a plain-HTTP Bearer realm on another host must not get
 * the user's password sent there in clear text. "Another host" has to be an address that is
 * not loopback (loopback may carry credentials in the clear, as a local plain-HTTP registry
 * does): the host side of a network namespace's veth pair, in 198.18.0.0/15. Needs root and ip.
 *
 * Run: node_modules/.bin/node --test e2e/pull-realm.test.ts
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { runPullCommand } from '../src/cli/pull.ts'
import { AuthError } from '../src/errors.ts'
import { startFakeRegistry } from '../test/support/fake-registry.ts'
import { buildFixtureLayout } from '../src/testing/index.ts'
import { certificateNames } from '../src/tls/index.ts'
import { issueCertificate } from '../src/tls/issue.ts'
import { createNode } from './launchers/node.ts'
import { haveRoot, haveTools } from './tools/require-tool.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'

const LOGIN = { username: 'ci', password: 'realm-s3cret' }
const SERVICE = 'fake-registry'
const TOKEN = 'token-from-elsewhere'

test('an HTTPS registry naming a plain-HTTP realm on another host gets no credentials sent there', async (t) => {
  if (!haveTools(t, 'ip') || !haveRoot(t, 'a network namespace')) return
  await using dir = await makeTempDir('pull-realm-')
  await using node = await createNode()
  const source = await buildFixtureLayout(dir.join('source'), { kind: 'image' })
  // The token service: plain HTTP on the veth's host address, which is not loopback.
  await using tokens = await startFakeRegistry({
    listenHost: node.hostAddress,
    repository: 'demo',
    bearer: { service: SERVICE, token: TOKEN, credentials: LOGIN },
  })
  const realm = `${tokens.url}/token`
  const issued = await issueCertificate(certificateNames(['127.0.0.1']))
  await using registry = await startFakeRegistry({
    layoutDir: source.dir,
    repository: 'demo',
    tls: { cert: issued.certificate, key: issued.privateKey },
    bearer: { service: SERVICE, token: TOKEN, realm },
  })
  const caFile = dir.join('ca.pem')
  await writeFile(caFile, issued.caCertificate)
  const io = { isTTY: false, stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from([`${LOGIN.password}\n`]) }
  const args = ['-u', LOGIN.username, '--password-stdin', '--tls', '--ca-file', caFile, `${registry.host}/demo:latest`, dir.join('pulled')]
  await assert.rejects(runPullCommand(args, io), (error: unknown) => {
    assert.ok(error instanceof AuthError, String(error))
    assert.ok(error.message.includes(`Bearer realm ${realm}`), error.message)
    assert.match(error.message, /refusing to send credentials in clear text/)
    return true
  })
  assert.deepEqual(
    tokens.requests.filter((r) => r.headers.authorization !== undefined),
    [],
    'the plain-HTTP token service on another host received credentials',
  )
})
