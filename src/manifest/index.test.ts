import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { parseBazelManifest, readBazelManifest } from './index.ts'
import { BazelManifestError } from '../errors.ts'

const FILE = '/x/m.prototxt'

function parseError(text: string): BazelManifestError {
  try {
    parseBazelManifest(text, FILE)
  } catch (error) {
    assert.ok(error instanceof BazelManifestError, `expected a BazelManifestError, got ${String(error)}`)
    assert.equal(error.code, 'ERR_LOCALREGISTRY_BAZEL_MANIFEST')
    return error
  }
  assert.fail(`parsed without error: ${text}`)
}

describe('parseBazelManifest', () => {
  test('what the rule writes (proto.encode_text), in order, with entry lines', () => {
    const text = [
      'images {',
      '  repository: "app"',
      '  tag: "latest"',
      '  path: "_main/e2e/images/app"',
      '}',
      'images {',
      '  repository: "digest-only"',
      '  path: "other_repo+/x/image"',
      '}',
      '',
    ].join('\n')
    assert.deepEqual(parseBazelManifest(text, FILE), [
      { repository: 'app', tag: 'latest', path: '_main/e2e/images/app', file: FILE, line: 1 },
      { repository: 'digest-only', tag: '', path: 'other_repo+/x/image', file: FILE, line: 6 },
    ])
  })

  test('other text-format spellings: <>, list syntax, comments, single quotes, an explicit empty tag', () => {
    const text = `# comment with { and "
images < repository: 'a/b' tag: "" path: "_main/a" >
images: [{ repository: "c" tag: "1.0" path: "_main/c" }, { repository: "d", path: "_main/d" }]`
    const images = parseBazelManifest(text, FILE)
    assert.deepEqual(
      images.map((i) => [i.repository, i.tag, i.line]),
      [
        ['a/b', '', 2],
        ['c', '1.0', 3],
        ['d', '', 3],
      ],
    )
  })

  test('an empty manifest has no images', () => {
    assert.deepEqual(parseBazelManifest('', FILE), [])
    assert.deepEqual(parseBazelManifest('# nothing\n', FILE), [])
  })

  test('malformed input: position of the syntax error', () => {
    // At the end of the text: the line the input ends on.
    assert.equal(parseError('images {\n  repository: "a"\n').message, "/x/m.prototxt:3:1: expected a field name or '}', found the end of the text")
    assert.equal(parseError('images {\n  repository: "a\n}').message, '/x/m.prototxt:2:15: a string that does not end on its line')
    assert.equal(parseError('images }').message, "/x/m.prototxt:1:8: localregistry.Manifest.images: expected a message ('{' or '<'), found '}'")
  })

  test('unknown fields, at the field', () => {
    const error = parseError('images {\n  repository: "a"\n  name: "x"\n}')
    assert.equal(error.message, "/x/m.prototxt:3:3: localregistry.Image: unknown field 'name'")
    assert.match(parseError('nope: 1').message, /^\/x\/m\.prototxt:1:1: localregistry\.Manifest: unknown field 'nope'$/)
  })

  test('wrong types', () => {
    assert.equal(parseError('images {\n  tag: 5\n}').message, "/x/m.prototxt:2:8: localregistry.Image.tag: expected a string, found '5'")
    assert.equal(parseError('images: "x"').message, `/x/m.prototxt:1:9: localregistry.Manifest.images: expected a message ('{' or '<'), found '"x"'`)
  })

  test('a repeated singular field, at its second occurrence', () => {
    const error = parseError('images {\n  repository: "a"\n  path: "p"\n  repository: "b"\n}')
    assert.equal(error.message, '/x/m.prototxt:4:3: localregistry.Image.repository: multiple values')
  })

  test('invalid values, with the entry they are in', () => {
    assert.equal(parseError('images { tag: "x" path: "p" }').message, '/x/m.prototxt:1: images[0]: repository is missing')
    assert.match(
      parseError('images { repository: "a" path: "p" }\n\nimages { repository: "App" path: "p" }').message,
      /^\/x\/m\.prototxt:3: images\[1\]: repository "App" is not a valid repository name/,
    )
    assert.match(parseError('images { repository: "a" tag: "-x" path: "p" }').message, /^\/x\/m\.prototxt:1: images\[0\]: tag "-x" of a is not a valid tag/)
    assert.equal(parseError('images { repository: "a" tag: "t" }').message, '/x/m.prototxt:1: images[0]: path of a:t is missing')
  })

  test('entry lines ignore braces in strings and comments', () => {
    const text = '# {\nimages { repository: "a" path: "}{" }\n\nimages <\nrepository: "b" path: "p"\n>'
    assert.deepEqual(
      parseBazelManifest(text, FILE).map((i) => i.line),
      [2, 4],
    )
  })
})

describe('readBazelManifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('reads a file; errors name it', async () => {
    const file = join(dir, 'm.prototxt')
    writeFileSync(file, 'images { repository: "a" path: "_main/a" }\n')
    assert.equal((await readBazelManifest(file))[0]?.file, file)
    writeFileSync(file, 'images { repository: "a" path: "_main/a" bogus: 1 }\n')
    await assert.rejects(readBazelManifest(file), {
      code: 'ERR_LOCALREGISTRY_BAZEL_MANIFEST',
      message: `${file}:1:42: localregistry.Image: unknown field 'bogus'`,
    })
    await assert.rejects(readBazelManifest(join(dir, 'missing.prototxt')), /^BazelManifestError: failed to read manifest .*missing\.prototxt: ENOENT/)
  })

  test('a raw byte that is not UTF-8 fails at its line and column (it is not read as U+FFFD)', async () => {
    const file = join(dir, 'latin1.prototxt')
    writeFileSync(file, Buffer.concat([Buffer.from('images {\n  repository: "a"\n  path: "_main/caf'), Buffer.from([0xe9]), Buffer.from('"\n}\n')]))
    await assert.rejects(readBazelManifest(file), {
      code: 'ERR_LOCALREGISTRY_BAZEL_MANIFEST',
      message: `${file}:3:19: byte 0xe9 is not UTF-8: the text format is UTF-8 text`,
    })
  })

  test('an invalid repository or tag of any length gives a short message', () => {
    const long = 'X'.repeat(50_000_000)
    for (const entry of [`repository: "${long}"`, `repository: "a" tag: "-${long}"`]) {
      assert.throws(
        () => parseBazelManifest(`images { ${entry} path: "p" }`, 'm.prototxt'),
        (error: Error) => error.message.length < 600 && error.message.includes('XXX…"'),
      )
    }
  })
})
