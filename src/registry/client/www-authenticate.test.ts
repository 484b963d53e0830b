import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AuthError } from '../../errors.ts'
import { parseWwwAuthenticate } from './www-authenticate.ts'

test('parses the Bearer challenge distribution sends', () => {
  const header = 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:demo/app:pull"'
  assert.deepEqual(parseWwwAuthenticate(header), [
    { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:demo/app:pull' } },
  ])
})

test('schemes and param names are case-insensitive; tokens, BWS and escapes are accepted', () => {
  const [challenge] = parseWwwAuthenticate('BEARER Realm = "a \\"quoted\\" \\\\ realm" , Service=plain-token, scope="x,y"')
  assert.deepEqual(challenge, { scheme: 'bearer', params: { realm: 'a "quoted" \\ realm', service: 'plain-token', scope: 'x,y' } })
})

test('several challenges, in one field or several, and empty list elements', () => {
  const challenges = parseWwwAuthenticate(['Basic realm="r1", , Bearer realm="r2", error="invalid_token"', 'Newauth'])
  assert.deepEqual(
    challenges.map((c) => [c.scheme, c.params]),
    [
      ['basic', { realm: 'r1' }],
      ['bearer', { realm: 'r2', error: 'invalid_token' }],
      ['newauth', {}],
    ],
  )
})

test('token68 challenges, padding included, followed by another challenge', () => {
  const challenges = parseWwwAuthenticate('Negotiate abc/+DEF==, Basic realm="x"')
  assert.deepEqual(challenges, [
    { scheme: 'negotiate', params: {}, token68: 'abc/+DEF==' },
    { scheme: 'basic', params: { realm: 'x' } },
  ])
  // `realm=` with nothing after it is, by the grammar, a token68 with padding (not a param without a value).
  assert.deepEqual(parseWwwAuthenticate('Bearer realm='), [{ scheme: 'bearer', params: {}, token68: 'realm=' }])
})

test('malformed headers are AuthErrors naming the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /no challenge/],
    ['   ', /no challenge/],
    ['Bearer realm="unterminated', /unterminated quoted-string/],
    ['Bearer realm="x\\', /unterminated quoted-pair/],
    ['Bearer realm="x" service="y"', /expected ","/],
    ['Bearer realm=,service=x', /space after the auth-scheme "service"/],
    ['Bearer realm="a", realm="b"', /appears twice/],
    ['Bearer"realm"', /expected ","|space/],
    ['"Bearer" realm=x', /auth-scheme/],
    ['Bearer realm=a b', /expected ","/],
    ['Bearer realm="\u0001"', /invalid character/],
    ['Bearer @@@', /token68 or auth-params/],
    ['x'.repeat(20_000), /longer than/],
  ]
  for (const [header, message] of cases) {
    assert.throws(
      () => parseWwwAuthenticate(header),
      (error: unknown) => {
        assert.ok(error instanceof AuthError, `${JSON.stringify(header)}: ${String(error)}`)
        assert.equal(error.code, 'ERR_LOCALREGISTRY_AUTH')
        assert.match(error.message, message, JSON.stringify(header))
        return true
      },
    )
  }
})
