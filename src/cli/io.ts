// What the commands write to, and turning node:util parseArgs errors into UsageErrors.

import { UsageError } from '../errors.ts'

export interface Io {
  stdout: Pick<NodeJS.WritableStream, 'write'>
  stderr: Pick<NodeJS.WritableStream, 'write'>
}

/** Runs a parseArgs call; its errors (unknown option, missing value) become UsageErrors that point at --help. */
export function parseCommandArgs<T>(command: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(`${error.message.replace(/\s+/g, ' ').trim()} (see 'localregistry ${command} --help')`)
    }
    throw error
  }
}
