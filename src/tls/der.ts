// DER, the ASN.1 encoding of X.509 certificates: just the types ./issue.ts writes. Each value is
// tag, length, content; lengths over 127 bytes take the long form.

export type Der = Buffer

function tlv(tag: number, content: Uint8Array): Der {
  const length = content.length
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content])
  const bytes: number[] = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), content])
}

export const sequence = (...items: Der[]): Der => tlv(0x30, Buffer.concat(items))
export const set = (...items: Der[]): Der => tlv(0x31, Buffer.concat(items))
export const octetString = (bytes: Uint8Array): Der => tlv(0x04, bytes)
export const utf8String = (text: string): Der => tlv(0x0c, Buffer.from(text, 'utf8'))
export const boolean = (value: boolean): Der => tlv(0x01, Buffer.from([value ? 0xff : 0]))
export const nullValue = (): Der => tlv(0x05, Buffer.alloc(0))

/** An INTEGER from unsigned big-endian bytes: leading zeros dropped, one added if the top bit is set. */
export function unsignedInteger(bytes: Uint8Array): Der {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  const trimmed = bytes.subarray(start)
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed)
}

/** A BIT STRING of whole bytes (no unused bits): signatures, public keys. */
export const bitString = (bytes: Uint8Array): Der => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]))

/** A BIT STRING of named bits, bit 0 first (keyUsage), without trailing zero bits as DER wants. */
export function namedBits(bits: readonly number[]): Der {
  const highest = Math.max(...bits)
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1)
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7))
  return tlv(0x03, Buffer.concat([Buffer.from([7 - (highest & 7)]), bytes]))
}

export function objectIdentifier(dotted: string): Der {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number)
  const bytes: number[] = []
  for (const arc of [first * 40 + second, ...rest]) {
    const groups = [arc & 0x7f]
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) groups.unshift((value & 0x7f) | 0x80)
    bytes.push(...groups)
  }
  return tlv(0x06, Buffer.from(bytes))
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 requires; whole seconds, UTC. */
export function time(date: Date): Der {
  const iso = date.toISOString() // 2026-12-06T07:31:55.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '')
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`))
}

/** A context-specific tag: `[n] EXPLICIT` wraps a value; implicit replaces a primitive's tag. */
export const explicit = (n: number, value: Der): Der => tlv(0xa0 | n, value)
export const implicit = (n: number, content: Uint8Array): Der => tlv(0x80 | n, content)
