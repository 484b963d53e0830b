// Parsing of WWW-Authenticate (RFC 9110 section 11.6.1, grammar in 11.2 and 5.6):
//
//   WWW-Authenticate = #challenge
//   challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param  = token BWS "=" BWS ( token / quoted-string )
//   token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//
// Commas separate both challenges and the params of one challenge, so after a comma we look
// ahead: `name =` starts another param, anything else another challenge. Malformed input is
// an AuthError naming the position, never a partial result that sends credentials astray.

import { AuthError } from '../../errors.ts'

export interface Challenge {
  /** The auth-scheme, lowercased (schemes are case-insensitive): "bearer", "basic". */
  scheme: string
  /** Auth-params by lowercased name, quoted-string values unescaped. */
  params: Record<string, string>
  /** The token68 form, when the challenge has one instead of params. */
  token68?: string
}

/** Longest header we parse; real ones are a few hundred bytes. */
export const MAX_WWW_AUTHENTICATE_LENGTH = 16 * 1024

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/

/** Parses one or more WWW-Authenticate header values (several field lines are joined with commas). */
export function parseWwwAuthenticate(header: string | readonly string[]): Challenge[] {
  const input = typeof header === 'string' ? header : header.join(', ')
  if (input.length > MAX_WWW_AUTHENTICATE_LENGTH) {
    throw new AuthError(`malformed WWW-Authenticate header: longer than ${MAX_WWW_AUTHENTICATE_LENGTH} bytes`)
  }
  return new Parser(input).challenges()
}

class Parser {
  readonly #s: string
  #i = 0

  constructor(input: string) {
    this.#s = input
  }

  challenges(): Challenge[] {
    const result: Challenge[] = []
    this.#skipListSeparators()
    while (!this.#atEnd()) {
      result.push(this.#challenge())
      this.#skipOws()
      if (!this.#atEnd() && this.#peek() !== ',') this.#fail('expected "," between challenges')
      this.#skipListSeparators()
    }
    if (result.length === 0) this.#fail('no challenge')
    return result
  }

  #challenge(): Challenge {
    const scheme = this.#token('an auth-scheme').toLowerCase()
    const challenge: Challenge = { scheme, params: {} }
    const spaces = this.#skipSpaces()
    if (this.#atEnd() || this.#peek() === ',') return challenge
    if (spaces === 0) this.#fail(`expected a space after the auth-scheme "${scheme}"`)
    if (this.#paramAhead()) {
      this.#params(challenge)
      return challenge
    }
    challenge.token68 = this.#token68()
    return challenge
  }

  #params(challenge: Challenge): void {
    for (;;) {
      const name = this.#token('an auth-param name').toLowerCase()
      this.#skipOws()
      this.#expect('=')
      this.#skipOws()
      const value = this.#peek() === '"' ? this.#quotedString() : this.#token(`a value for auth-param "${name}"`)
      if (Object.hasOwn(challenge.params, name)) this.#fail(`auth-param "${name}" appears twice`)
      challenge.params[name] = value
      // After a comma (or several, the list rule allows empty elements): another param of this
      // challenge if `token BWS "="` follows, otherwise the next challenge starts there.
      const save = this.#i
      this.#skipOws()
      if (this.#peek() !== ',') {
        this.#i = save
        return
      }
      this.#skipListSeparators()
      if (this.#atEnd() || !this.#paramAhead()) {
        this.#i = save
        return
      }
    }
  }

  /** True if `token BWS "="` (and not `token68` ending in "=") starts at the current position. */
  #paramAhead(): boolean {
    const save = this.#i
    try {
      if (!TCHAR.test(this.#peek())) return false
      while (!this.#atEnd() && TCHAR.test(this.#peek())) this.#i++
      this.#skipOws()
      if (this.#peek() !== '=') return false
      this.#i++
      this.#skipOws()
      // `abc=` at the end or before a comma is a token68 with padding, not a param without value.
      return !this.#atEnd() && this.#peek() !== ',' && this.#peek() !== '='
    } finally {
      this.#i = save
    }
  }

  #token68(): string {
    const start = this.#i
    while (!this.#atEnd() && TOKEN68_CHAR.test(this.#peek())) this.#i++
    if (this.#i === start) this.#fail('expected a token68 or auth-params')
    while (this.#peek() === '=') this.#i++
    return this.#s.slice(start, this.#i)
  }

  #token(what: string): string {
    const start = this.#i
    while (!this.#atEnd() && TCHAR.test(this.#peek())) this.#i++
    if (this.#i === start) this.#fail(`expected ${what}`)
    return this.#s.slice(start, this.#i)
  }

  #quotedString(): string {
    this.#expect('"')
    let value = ''
    for (;;) {
      if (this.#atEnd()) this.#fail('unterminated quoted-string')
      const c = this.#s[this.#i++] as string
      if (c === '"') return value
      if (c === '\\') {
        if (this.#atEnd()) this.#fail('unterminated quoted-pair')
        const escaped = this.#s[this.#i++] as string
        if (!isQuotedPairChar(escaped)) this.#fail('invalid character in quoted-pair')
        value += escaped
      } else if (isQdtext(c)) {
        value += c
      } else {
        this.#fail('invalid character in quoted-string')
      }
    }
  }

  #skipSpaces(): number {
    const start = this.#i
    while (this.#peek() === ' ') this.#i++
    return this.#i - start
  }

  #skipOws(): void {
    while (this.#peek() === ' ' || this.#peek() === '\t') this.#i++
  }

  #skipListSeparators(): void {
    this.#skipOws()
    while (this.#peek() === ',') {
      this.#i++
      this.#skipOws()
    }
  }

  #expect(c: string): void {
    if (this.#peek() !== c) this.#fail(`expected "${c}"`)
    this.#i++
  }

  #peek(): string {
    return this.#s[this.#i] ?? ''
  }

  #atEnd(): boolean {
    return this.#i >= this.#s.length
  }

  #fail(what: string): never {
    throw new AuthError(`malformed WWW-Authenticate header at offset ${this.#i}: ${what}`)
  }
}

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text; quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
function isQdtext(c: string): boolean {
  const code = c.charCodeAt(0)
  return code === 0x09 || code === 0x20 || code === 0x21 || (code >= 0x23 && code <= 0x5b) || (code >= 0x5d && code <= 0x7e) || code >= 0x80
}

function isQuotedPairChar(c: string): boolean {
  const code = c.charCodeAt(0)
  return code === 0x09 || (code >= 0x20 && code <= 0x7e) || code >= 0x80
}
