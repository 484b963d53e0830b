// `serve`'s resource limits (--max-connections, --send-timeout, --blob-memory): listen()'s
// maxConnections, sendTimeoutMs and blobMemory, for a registry that serves many nodes at once or
// runs where memory is tight. Unset, the server's defaults apply.

import type { ParseArgsOptionsConfig } from 'node:util'
import type { StartOptions } from '../api.ts'
import { UsageError } from '../errors.ts'
import { parseSeconds } from './durations.ts'

/** The parseArgs specs, spread into `serve`'s. */
export const LIMIT_ARGS = {
  'max-connections': { type: 'string' },
  'send-timeout': { type: 'string' },
  'blob-memory': { type: 'string' },
} satisfies ParseArgsOptionsConfig

export interface LimitValues {
  'max-connections'?: string | undefined
  'send-timeout'?: string | undefined
  'blob-memory'?: string | undefined
}

export type LimitOptions = Pick<StartOptions, 'maxConnections' | 'sendTimeoutMs' | 'blobMemory'>

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer timeout would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1
const MIB = 1024 * 1024
/** A blob transfer reads in 1 MiB chunks and needs two of them. */
const MIN_BLOB_MEMORY = 2 * MIB
const SIZE_UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['KiB', 1024],
  ['MiB', MIB],
  ['GiB', 1024 * MIB],
])

/** Checks the limits given; every mistake is a UsageError that says what to give instead. */
export function parseLimitOptions(values: LimitValues): LimitOptions {
  const limits: LimitOptions = {}
  const connections = values['max-connections']
  if (connections !== undefined) limits.maxConnections = parseMaxConnections(connections)
  const timeout = values['send-timeout']
  if (timeout !== undefined) limits.sendTimeoutMs = parseSendTimeout(timeout)
  const memory = values['blob-memory']
  if (memory !== undefined) limits.blobMemory = parseBlobMemory(memory)
  return limits
}

function parseMaxConnections(value: string): number {
  const n = /^\d{1,9}$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!(n >= 1)) throw new UsageError(`--max-connections ${JSON.stringify(value)} is not a number of connections: give a whole number of at least 1, e.g. 500`)
  return n
}

function parseSendTimeout(value: string): number {
  const ms = Math.round(parseSeconds('--send-timeout', value) * 1000)
  if (ms < 1 || ms > MAX_TIMEOUT_MS) {
    throw new UsageError(`--send-timeout ${JSON.stringify(value)} is out of range: give 0.001 to ${Math.floor(MAX_TIMEOUT_MS / 1000)} seconds`)
  }
  return ms
}

function parseBlobMemory(value: string): number {
  const match = /^(\d{1,15})(KiB|MiB|GiB)?$/.exec(value.trim())
  const bytes = match === null ? Number.NaN : Number(match[1]) * (SIZE_UNITS.get(match[2] ?? '') ?? Number.NaN)
  if (!(bytes >= MIN_BLOB_MEMORY) || !Number.isSafeInteger(bytes)) {
    throw new UsageError(`--blob-memory ${JSON.stringify(value)} is not a size of at least 2 MiB: give bytes or KiB/MiB/GiB, e.g. 64MiB or 268435456`)
  }
  return bytes
}
