// The protobuf text format (protobuf.dev/reference/protobuf/textformat-spec), read for the one
// schema the runtime needs: localregistry.Manifest of spec/manifest.proto, which text-format.test.ts
// checks MANIFEST against. A general protobuf library costs more start-up than the rest of
// `serve` (BENCHMARKS.md, start-up); this reads exactly the grammar of the spec for message and
// string fields: `#` comments, `name: "value"` with adjacent string literals concatenated and
// C escapes, `name {}` / `name: <>` messages, `name: [{}, {}]` lists, optional `,` or `;` after a
// field. Unknown fields, a singular field given twice, a non-string value and text that is not
// UTF-8 are errors, each with the line and column where it is, quoting at most MAX_SHOWN characters.

import { isUtf8 } from 'node:buffer'

/** A message type: its full name (for messages) and its fields by name. */
export interface MessageSchema {
  name: string
  fields: Readonly<Record<string, FieldSchema>>
}

export interface FieldSchema {
  repeated: boolean
  /** 'string', or the message type of a message field. */
  type: 'string' | MessageSchema
}

const IMAGE: MessageSchema = {
  name: 'localregistry.Image',
  fields: {
    repository: { repeated: false, type: 'string' },
    tag: { repeated: false, type: 'string' },
    path: { repeated: false, type: 'string' },
  },
}

export const MANIFEST: MessageSchema = {
  name: 'localregistry.Manifest',
  fields: { images: { repeated: true, type: IMAGE } },
}

/** A field's value: a string, a message, or (repeated fields) a list of them. */
export type FieldValue = string | TextMessage | (string | TextMessage)[]

/** A parsed message, its fields by name. */
export interface TextMessage {
  /** Line and column (1-based) where the message starts: its `{` or `<`, or 1:1 for the top level. */
  line: number
  column: number
  fields: Map<string, FieldValue>
}

export class TextFormatError extends Error {
  readonly line: number
  readonly column: number

  constructor(message: string, line: number, column: number) {
    super(message)
    this.name = 'TextFormatError'
    this.line = line
    this.column = column
  }
}

/**
 * Parses `text` as a message of type `schema`; throws a TextFormatError. Given as bytes, the text
 * must be UTF-8 throughout, as protobuf's parsers ask: a byte that is not fails at its position
 * (read as text it would have become U+FFFD, which a string may hold).
 */
export function parseTextFormat(text: string | Uint8Array, schema: MessageSchema): TextMessage {
  return new Reader(typeof text === 'string' ? text : decodeUtf8(text)).message(schema, undefined, { line: 1, column: 1 })
}

/** The text of UTF-8 bytes; a TextFormatError at the first byte that is not UTF-8. */
function decodeUtf8(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const text = buffer.toString('utf8')
  if (isUtf8(buffer)) return text
  // The decoder put U+FFFD for each bad sequence; the first that is not a U+FFFD of the input is it.
  for (let i = text.indexOf(REPLACEMENT); ; i = text.indexOf(REPLACEMENT, i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i))
    if (!buffer.subarray(at, at + 3).equals(REPLACEMENT_BYTES)) {
      const { line, column } = position(lineStarts(text), i)
      throw new TextFormatError(`byte 0x${buffer[at]?.toString(16).padStart(2, '0')} is not UTF-8: the text format is UTF-8 text`, line, column)
    }
  }
}

const REPLACEMENT = '\uFFFD'
const REPLACEMENT_BYTES = Buffer.from(REPLACEMENT)

interface Token {
  kind: 'identifier' | 'string' | 'symbol' | 'other' | 'end'
  text: string
  offset: number
}

const WHITESPACE = /[ \t\n\v\f\r]/
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y
/** Anything else that is not a symbol, up to the next delimiter: shown in messages as found. */
const OTHER = /[^ \t\n\v\f\r{}<>[\]:,;#"']+/y
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 }
const UTF8 = new TextDecoder('utf-8', { fatal: true })

class Reader {
  readonly #text: string
  #offset = 0
  #peeked: Token | undefined
  #lineStarts: number[] | undefined

  constructor(text: string) {
    this.#text = text
  }

  /** The fields of a message up to `close` (the end of the text when undefined). */
  message(schema: MessageSchema, close: '}' | '>' | undefined, at: { line: number; column: number }): TextMessage {
    const message: TextMessage = { ...at, fields: new Map() }
    for (;;) {
      const token = this.#next()
      if (close === undefined ? token.kind === 'end' : token.kind === 'symbol' && token.text === close) return message
      if (token.kind !== 'identifier') {
        const expected = close === undefined ? 'a field name' : `a field name or '${close}'`
        throw this.#error(token, `expected ${expected}, found ${describe(token)}`)
      }
      this.#field(schema, message, token)
      const separator = this.#peek()
      if (separator.kind === 'symbol' && (separator.text === ',' || separator.text === ';')) this.#next()
    }
  }

  #field(schema: MessageSchema, message: TextMessage, name: Token): void {
    const field = schema.fields[name.text]
    if (field === undefined) throw this.#error(name, `${schema.name}: unknown field ${shown(name.text)}`)
    const qualified = `${schema.name}.${name.text}`
    const colon = this.#peek()
    const hasColon = colon.kind === 'symbol' && colon.text === ':'
    if (hasColon) this.#next()
    else if (field.type === 'string') throw this.#error(colon, `${qualified}: expected ':', found ${describe(colon)}`)
    const values = this.#isSymbol(this.#peek(), '[') ? this.#list(field, qualified) : [this.#value(field, qualified)]
    const previous = message.fields.get(name.text)
    if (field.repeated) {
      if (Array.isArray(previous)) previous.push(...values)
      else message.fields.set(name.text, values)
      return
    }
    if (previous !== undefined) throw this.#error(name, `${qualified}: multiple values`)
    message.fields.set(name.text, values[0]!)
  }

  #list(field: FieldSchema, qualified: string): (string | TextMessage)[] {
    const open = this.#next()
    if (!field.repeated) throw this.#error(open, `${qualified}: a list for a field that is not repeated`)
    const values: (string | TextMessage)[] = []
    if (this.#isSymbol(this.#peek(), ']')) {
      this.#next()
      return values
    }
    for (;;) {
      values.push(this.#value(field, qualified))
      const token = this.#next()
      if (this.#isSymbol(token, ']')) return values
      if (!this.#isSymbol(token, ',')) throw this.#error(token, `${qualified}: expected ',' or ']', found ${describe(token)}`)
    }
  }

  #value(field: FieldSchema, qualified: string): string | TextMessage {
    const token = this.#next()
    if (field.type === 'string') {
      if (token.kind !== 'string') throw this.#error(token, `${qualified}: expected a string, found ${describe(token)}`)
      let value = decodeString(token.text, (message, at) => this.#error({ ...token, offset: token.offset + at }, `${qualified}: ${message}`))
      while (this.#peek().kind === 'string') {
        const next = this.#next()
        value += decodeString(next.text, (message, at) => this.#error({ ...next, offset: next.offset + at }, `${qualified}: ${message}`))
      }
      return value
    }
    if (!this.#isSymbol(token, '{') && !this.#isSymbol(token, '<')) {
      throw this.#error(token, `${qualified}: expected a message ('{' or '<'), found ${describe(token)}`)
    }
    return this.message(field.type, token.text === '{' ? '}' : '>', this.#position(token.offset))
  }

  #isSymbol(token: Token, symbol: string): boolean {
    return token.kind === 'symbol' && token.text === symbol
  }

  #peek(): Token {
    this.#peeked ??= this.#scan()
    return this.#peeked
  }

  #next(): Token {
    const token = this.#peek()
    this.#peeked = undefined
    return token
  }

  #scan(): Token {
    const text = this.#text
    let i = this.#offset
    for (;;) {
      while (i < text.length && WHITESPACE.test(text[i]!)) i++
      if (text[i] !== '#') break
      while (i < text.length && text[i] !== '\n') i++
    }
    const start = i
    const c = text[i]
    let kind: Token['kind']
    if (c === undefined) kind = 'end'
    else if ('{}<>[]:,;'.includes(c)) {
      kind = 'symbol'
      i++
    } else if (c === '"' || c === "'") {
      kind = 'string'
      for (i++; i < text.length && text[i] !== c && text[i] !== '\n'; i++) if (text[i] === '\\' && text[i + 1] !== '\n') i++
      if (text[i] !== c) throw this.#error({ kind, text: '', offset: start }, 'a string that does not end on its line')
      i++
    } else {
      const pattern = /[A-Za-z_]/.test(c) ? IDENTIFIER : OTHER
      pattern.lastIndex = i
      pattern.test(text)
      kind = pattern === IDENTIFIER ? 'identifier' : 'other'
      i = pattern.lastIndex
    }
    this.#offset = i
    return { kind, text: text.slice(start, i), offset: start }
  }

  /** Line and column of an offset (the line starts found once: a manifest may list 10,000 images). */
  #position(offset: number): { line: number; column: number } {
    this.#lineStarts ??= lineStarts(this.#text)
    return position(this.#lineStarts, offset)
  }

  #error(token: Token, message: string): TextFormatError {
    const { line, column } = this.#position(token.offset)
    return new TextFormatError(message, line, column)
  }
}

/** Line and column (1-based) of an offset, by binary search in the line starts. */
function position(starts: readonly number[], offset: number): { line: number; column: number } {
  let [lo, hi] = [0, starts.length - 1]
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (starts[mid]! <= offset) lo = mid
    else hi = mid - 1
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 }
}

/** The offset where each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the text' : shown(token.text)
}

/** Longest piece of the text a message quotes: a token can be as long as the file. */
const MAX_SHOWN = 100

/** A token quoted for a message, cut to MAX_SHOWN characters. */
function shown(text: string): string {
  return text.length > MAX_SHOWN ? `'${text.slice(0, MAX_SHOWN)}'... (${text.length} characters)` : `'${text}'`
}

/**
 * The value of one string literal (quotes included): its characters as UTF-8, escapes as the
 * bytes they stand for; the result must be UTF-8. `fail(message, offset)` builds the error.
 */
function decodeString(literal: string, fail: (message: string, offset: number) => Error): string {
  const body = literal.slice(1, -1)
  // Without escapes, and well formed, the value is the literal's own characters: no byte round trip.
  if (!body.includes('\\') && body.isWellFormed()) return body
  const bytes: number[] = []
  let i = 0
  while (i < body.length) {
    const escape = body.indexOf('\\', i)
    const plain = body.slice(i, escape < 0 ? body.length : escape)
    for (const byte of Buffer.from(plain, 'utf8')) bytes.push(byte)
    if (escape < 0) break
    i = decodeEscape(body, escape, bytes, (message) => fail(message, escape + 1))
  }
  try {
    return UTF8.decode(Uint8Array.from(bytes))
  } catch {
    throw fail('a string that is not valid UTF-8', 0)
  }
}

/** Appends the bytes of the escape at `body[at]` (a backslash); returns the offset after it. */
function decodeEscape(body: string, at: number, bytes: number[], fail: (message: string) => Error): number {
  const c = body[at + 1] ?? ''
  const simple = SIMPLE_ESCAPES[c]
  if (simple !== undefined) {
    bytes.push(simple)
    return at + 2
  }
  const octal = /^[0-7]{1,3}/.exec(body.slice(at + 1, at + 4))?.[0]
  if (octal !== undefined) {
    const value = Number.parseInt(octal, 8)
    if (value > 255) throw fail(`octal escape '\\${octal}' is more than a byte`)
    bytes.push(value)
    return at + 1 + octal.length
  }
  const hex = /^x([0-9A-Fa-f]{1,2})/.exec(body.slice(at + 1, at + 4))?.[1]
  if (hex !== undefined) {
    bytes.push(Number.parseInt(hex, 16))
    return at + 2 + hex.length
  }
  const unicode = c === 'u' ? /^[0-9A-Fa-f]{4}/.exec(body.slice(at + 2)) : c === 'U' ? /^[0-9A-Fa-f]{8}/.exec(body.slice(at + 2)) : null
  if (unicode !== null) {
    let code = Number.parseInt(unicode[0], 16)
    let end = at + 2 + unicode[0].length
    // A high surrogate followed by a low one (\uD83D\uDE00) is one code point.
    const low = /^\\u(d[c-f][0-9a-f]{2})/i.exec(body.slice(end))?.[1]
    if (code >= 0xd800 && code <= 0xdbff && low !== undefined) {
      code = 0x10000 + ((code - 0xd800) << 10) + (Number.parseInt(low, 16) - 0xdc00)
      end += 6
    }
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw fail(`'\\${c}${unicode[0]}' is not a Unicode scalar value`)
    for (const byte of Buffer.from(String.fromCodePoint(code), 'utf8')) bytes.push(byte)
    return end
  }
  throw fail(`unknown escape '\\${c}'`)
}
