import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import protobuf from 'protobufjs'
import textformat from 'protobufjs/ext/textformat.js'
import { MANIFEST_PROTO_PATH } from '../package-files.ts'
import { MANIFEST, type MessageSchema, type TextMessage, TextFormatError, parseTextFormat } from './text-format.ts'

/** The schema as the repository has it: the test reads it, the runtime never does. */
const MANIFEST_PROTO_TEXT = readFileSync(MANIFEST_PROTO_PATH, 'utf8')

/** Messages as plain objects: { field: value | [values] }. */
function plain(message: TextMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of message.fields) {
    out[name] = typeof value === 'string' ? value : Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : plain(v))) : plain(value)
  }
  return out
}

/** The images of a manifest as plain objects, or the error. */
function ours(text: string): unknown[] | Error {
  try {
    return (plain(parseTextFormat(text, MANIFEST))['images'] as unknown[] | undefined) ?? []
  } catch (error) {
    assert.ok(error instanceof TextFormatError, `not a TextFormatError: ${String(error)}`)
    return error
  }
}

describe('MANIFEST', () => {
  test('is the schema of spec/manifest.proto, message by message and field by field', () => {
    const root = protobuf.parse(MANIFEST_PROTO_TEXT).root
    const check = (schema: MessageSchema): void => {
      const type = root.lookupType(schema.name)
      assert.deepEqual(Object.keys(schema.fields).sort(), Object.keys(type.fields).sort(), schema.name)
      for (const [name, field] of Object.entries(schema.fields)) {
        const declared = type.fields[name]!
        assert.equal(field.repeated, declared.repeated, `${schema.name}.${name} repeated`)
        if (field.type === 'string') assert.equal(declared.type, 'string', `${schema.name}.${name} type`)
        else {
          assert.equal(declared.resolve().resolvedType?.fullName, `.${field.type.name}`, `${schema.name}.${name} type`)
          check(field.type)
        }
      }
    }
    check(MANIFEST)
    assert.match(MANIFEST_PROTO_TEXT, /^syntax = "proto3";$/m)
  })
})

describe('parseTextFormat', () => {
  // protobufjs's text format (a general implementation) is the reference: on each of these
  // inputs both give the same images, or both refuse it.
  const SAME_AS_PROTOBUFJS = [
    'images { repository: "a" tag: "b" path: "c" }',
    "images < repository: 'a' >",
    'images: { repository: "a" }',
    'images: [{ repository: "a" }, < tag: "t" >]',
    'images: []',
    'images {}',
    'images { repository: "a", tag: "b"; path: "c"; }',
    `images { repository: "a" "b" 'c' }`,
    'images { repository: "\\n\\t\\\\\\"\\\'\\x41\\101\\u00e9\\U0001F600\\a\\b\\f\\v\\r\\?" }',
    'images {\r\n\trepository:\f"a"\v}',
    '# c\nimages { # c2\n repository: "a" # c3\n}',
    'images {} ,',
    'images: [{}];',
    'images: {} images: []',
    'images [{}]',
    'images { tag: "" }',
    'images { repository: "a" repository: "b" }',
    'images { tag: 5 }',
    'images { tag: latest }',
    'images: "x"',
    'images { repository: "a }',
    'images {',
    'images { tag "x" }',
    'images { tag: "\\xff" }',
    'images { tag: "\\q" }',
    'images { repository: ["a"] }',
    'images: [{}, ]',
    'images: [{} {}]',
    '}',
    '[ext]: 1',
    '1: "x"',
    'images { tag: "\\uD800" }',
    'images { tag: "\\777" }',
    'images { tag: "a" ;; }',
    'images { tag: "x\\\n" }',
    'images { tag: -"x" }',
  ]

  for (const text of SAME_AS_PROTOBUFJS) {
    test(`as protobufjs: ${JSON.stringify(text)}`, () => {
      const type = protobuf.parse(MANIFEST_PROTO_TEXT).root.lookupType('localregistry.Manifest')
      let expected: unknown[] | undefined
      try {
        expected = (type.toObject(textformat.fromText(type, text)) as { images?: unknown[] }).images ?? []
      } catch {
        expected = undefined
      }
      const actual = ours(text)
      if (expected === undefined) assert.ok(actual instanceof Error, `protobufjs refuses it, we parsed ${JSON.stringify(actual)}`)
      else assert.deepEqual(actual, expected)
    })
  }

  test('a surrogate pair escape is one code point (as protobuf C++ reads it; protobufjs refuses it)', () => {
    assert.deepEqual(ours('images { tag: "\\uD83D\\uDE00" }'), [{ tag: '😀' }])
    assert.ok(ours('images { tag: "\\uDE00\\uD83D" }') instanceof Error)
  })

  test('errors carry the line and column of the offending token', () => {
    const at = (text: string): [number, number, string] => {
      const error = ours(text)
      assert.ok(error instanceof TextFormatError)
      return [error.line, error.column, error.message]
    }
    assert.deepEqual(at('images {\n  repository: "a"\n  name: "x"\n}'), [3, 3, "localregistry.Image: unknown field 'name'"])
    assert.deepEqual(at('images {\n  tag: "\\q"\n}'), [2, 9, "localregistry.Image.tag: unknown escape '\\q'"])
    assert.deepEqual(at('images {\n  repository: "a"'), [2, 18, "expected a field name or '}', found the end of the text"])
  })

  test('bytes that are not UTF-8 fail at the first such byte, as escapes of them do; U+FFFD written as such is text', () => {
    const at = (...parts: Array<string | number[]>): [number, number, string] | unknown => {
      const bytes = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))
      try {
        return plain(parseTextFormat(bytes, MANIFEST))
      } catch (error) {
        assert.ok(error instanceof TextFormatError, String(error))
        return [error.line, error.column, error.message]
      }
    }
    assert.deepEqual(at('images {\n  repository: "a', [0xff], '"\n}'), [2, 17, 'byte 0xff is not UTF-8: the text format is UTF-8 text'])
    // A truncated sequence, after a real U+FFFD and an é on the same line.
    assert.deepEqual(at('images { tag: "\uFFFD\u00e9', [0xc3], '" }'), [1, 18, 'byte 0xc3 is not UTF-8: the text format is UTF-8 text'])
    assert.deepEqual(at('# ', [0x80], '\n'), [1, 3, 'byte 0x80 is not UTF-8: the text format is UTF-8 text'])
    assert.deepEqual(at('images { tag: "\uFFFD\u00e9" }'), { images: [{ tag: '\uFFFD\u00e9' }] })
    assert.deepEqual(at(''), {})
  })

  test('messages quote at most 100 characters of a token, however long it is', () => {
    const long = 'x'.repeat(5_000_000)
    for (const text of [`${long}: "a"`, `images { ${long}: "a" }`, `images { tag: ${long} }`, `images: [{} ${long}]`]) {
      const error = ours(text)
      assert.ok(error instanceof TextFormatError)
      assert.ok(error.message.length < 200, error.message.slice(0, 300))
      assert.ok(error.message.includes("'xxxx"), error.message)
      assert.ok(error.message.includes('(5000000 characters)'), error.message)
    }
  })

  test('messages start where their brace opens', () => {
    const manifest = parseTextFormat('\n\nimages:\n  [ {}, <\n> ]', MANIFEST)
    const images = manifest.fields.get('images') as TextMessage[]
    assert.deepEqual(
      images.map((i) => [i.line, i.column]),
      [
        [4, 5],
        [4, 9],
      ],
    )
  })
})
