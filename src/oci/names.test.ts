import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { quote, UsageError } from '../errors.ts'
import {
  checkRepository,
  checkTag,
  isValidRepository,
  isValidTag,
  MAX_REPOSITORY_LENGTH,
  REPOSITORY_RULE,
  repositoryProblem,
  TAG_RULE,
  tagProblem,
} from './names.ts'

// The distribution-spec's own regular expressions ("Pulling manifests"), anchored: the linear
// scans of names.ts must agree with them on every string.
const SPEC_REPOSITORY = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/
const SPEC_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/

const specRepository = (s: string): boolean => s.length <= MAX_REPOSITORY_LENGTH && SPEC_REPOSITORY.test(s)
const specTag = (s: string): boolean => SPEC_TAG.test(s)

/** Characters the grammar treats specially, and a few it must refuse. */
const NEAR = fc.constantFrom('a', 'z', 'k', '0', '9', 'A', 'Z', '.', '_', '-', '/', ':', '@', ' ', '%', 'é', '\0', '\n')
const nearString = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: NEAR, maxLength })

/** A string with one character replaced, inserted or deleted: most valid strings are one edit away from invalid ones. */
function edited(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(valid, fc.nat(), NEAR, fc.constantFrom('replace', 'insert', 'delete')).map(([s, at, c, how]) => {
    const i = s.length === 0 ? 0 : at % s.length
    if (how === 'replace') return s.slice(0, i) + c + s.slice(i + 1)
    if (how === 'insert') return s.slice(0, i) + c + s.slice(i)
    return s.slice(0, i) + s.slice(i + 1)
  })
}

const validRepository = fc.stringMatching(SPEC_REPOSITORY)
const validTag = fc.stringMatching(SPEC_TAG)
/** Names around the length limit: components of a valid name repeated past 255 characters. */
const longRepository = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,8}((\.|_|__|-+)[a-z0-9]{1,8})?$/), fc.integer({ min: 240, max: 270 }))
  .map(([part, length]) => `${part}/`.repeat(Math.ceil(length / (part.length + 1))).slice(0, length))

const RUNS = { numRuns: 2000 }

describe('repository names agree with the distribution-spec regular expression', () => {
  it('on strings near the grammar', () => {
    fc.assert(
      fc.property(fc.oneof(nearString(24), validRepository, edited(validRepository), longRepository, edited(longRepository)), (s) => {
        assert.equal(isValidRepository(s), specRepository(s), JSON.stringify(s))
      }),
      RUNS,
    )
  })

  it('on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => assert.equal(isValidRepository(s), specRepository(s), JSON.stringify(s))),
      RUNS,
    )
  })

  it('on the examples that matter', () => {
    for (const name of ['a', 'app', 'team/app', 'a.b', 'a_b', 'a__b', 'a-b', 'a---b', 'a0/b1/c2', 'x'.repeat(255), 'a.b-c_d__e/f', '0'])
      assert.ok(isValidRepository(name), name)
    for (const name of [
      '',
      'A',
      'app/',
      '/app',
      'a//b',
      'a..b',
      'a___b',
      'a._b',
      'a-',
      '-a',
      '.a',
      '_a',
      'a_',
      'a/.b',
      'a b',
      'a%2fb',
      'a\0b',
      '..',
      'x'.repeat(256),
      'é',
    ])
      assert.ok(!isValidRepository(name), JSON.stringify(name))
  })
})

describe('tags agree with the distribution-spec regular expression', () => {
  it('on strings near the grammar', () => {
    fc.assert(
      fc.property(fc.oneof(nearString(24), validTag, edited(validTag), fc.stringMatching(/^[a-z_]{126,130}$/)), (s) => {
        assert.equal(isValidTag(s), specTag(s), JSON.stringify(s))
      }),
      RUNS,
    )
  })

  it('on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => assert.equal(isValidTag(s), specTag(s), JSON.stringify(s))),
      RUNS,
    )
  })

  it('on the examples that matter', () => {
    for (const tag of ['latest', 'v1.0', '_x', 'A-b_c.d', '1', 'x'.repeat(128)]) assert.ok(isValidTag(tag), tag)
    for (const tag of ['', '.x', '-x', 'a:b', 'a/b', 'a b', 'x'.repeat(129), 'é', 'a\0']) assert.ok(!isValidTag(tag), JSON.stringify(tag))
  })
})

describe('the one message for an invalid name or tag', () => {
  it('says why, and nothing for a valid one', () => {
    assert.equal(repositoryProblem('team/app'), undefined)
    assert.equal(repositoryProblem('Team'), `"Team" is not a valid repository name (${REPOSITORY_RULE})`)
    assert.equal(repositoryProblem('a'.repeat(256)), `${quote('a'.repeat(256))} is not a valid repository name: 256 characters, the limit is 255`)
    assert.equal(tagProblem('v1'), undefined)
    assert.equal(tagProblem('-x'), `"-x" is not a valid tag (${TAG_RULE})`)
    assert.equal(tagProblem('-x', 'app'), `"-x" of app is not a valid tag (${TAG_RULE})`)
  })

  it('is thrown by the checks as a usage error, after the context they are given', () => {
    const usage = (message: string) => (error: unknown) => error instanceof UsageError && error.message === message
    assert.doesNotThrow(() => checkRepository('team/app', 'images'))
    assert.doesNotThrow(() => checkTag('v1', 'images'))
    assert.throws(() => checkRepository('Team'), usage(repositoryProblem('Team') ?? ''))
    assert.throws(() => checkRepository('Team', 'images["Team:v1"]'), usage(`images["Team:v1"]: ${repositoryProblem('Team')}`))
    assert.throws(() => checkTag('-x'), usage(tagProblem('-x') ?? ''))
    assert.throws(() => checkTag('-x', 'images["app:-x"]'), usage(`images["app:-x"]: ${tagProblem('-x')}`))
  })
})
