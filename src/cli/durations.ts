// Durations on the command line (pull --timeout, serve --send-timeout): seconds, e.g. 90 or 2.5,
// with an optional unit (90s, 5m, 1h).

import { UsageError } from '../errors.ts'

const UNIT_SECONDS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['s', 1],
  ['m', 60],
  ['h', 3600],
])

/** A positive duration in seconds; a UsageError naming `option` otherwise. */
export function parseSeconds(option: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(value.trim())
  const seconds = match === null ? Number.NaN : Number(match[1]) * (UNIT_SECONDS.get(match[2] ?? '') ?? Number.NaN)
  if (!(seconds > 0)) throw new UsageError(`${option} ${JSON.stringify(value)} is not a duration: give seconds, e.g. 90, 2.5 or 5m`)
  return seconds
}
