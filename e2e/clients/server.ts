/**
 * Our registry, started through the public API (src/api.ts) on 127.0.0.1:0 and
 * serving every fixture of fixtures.ts. One per test file: clients share it.
 *
 * Every request is logged; {@link Served.explain} adds the requests a failing
 * step made to its error, so a client/server disagreement shows both sides.
 */
import { startRegistry } from '../../src/api.ts'
import { servedImages, type Fixtures } from './fixtures.ts'

export interface Served extends AsyncDisposable {
  /** `127.0.0.1:PORT`: the host part of image references. */
  readonly host: string
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  /** How many log lines the server has written so far (one per request, plus any server-side problem). */
  mark(): number
  /** The log lines written since `mark()` returned `from` (the last few thousand at most). */
  since(from: number): string[]
  /** Runs `step`; if it throws, the error message ends with the log lines written meanwhile. */
  explain<T>(step: () => Promise<T>): Promise<T>
}

/** Log lines kept for error messages. */
const LOG_LIMIT = 2_000

export async function serveFixtures(fixtures: Fixtures): Promise<Served> {
  const lines: string[] = []
  let dropped = 0
  const log = (line: string): void => {
    lines.push(line)
    if (lines.length > LOG_LIMIT) {
      lines.shift()
      dropped++
    }
  }
  const registry = await startRegistry({ images: servedImages(fixtures), listen: '127.0.0.1:0', log })
  const mark = (): number => dropped + lines.length
  const since = (from: number): string[] => lines.slice(Math.max(0, from - dropped))
  return {
    host: new URL(registry.url).host,
    url: registry.url,
    mark,
    since,
    explain: async (step) => {
      const start = mark()
      try {
        return await step()
      } catch (error) {
        throw withServerLog(error, since(start))
      }
    },
    [Symbol.asyncDispose]: () => registry.close(),
  }
}

/** The same error (assertion details kept), its message followed by the server's log lines. */
export function withServerLog(error: unknown, lines: readonly string[]): unknown {
  if (!(error instanceof Error)) return error
  const text = `\n--- our server's log during this step (${lines.length} lines) ---\n${lines.join('\n') || '(no requests)'}`
  // Reporters print the stack, captured when the error was made: extend both.
  const stack = error.stack // read first: V8 formats it lazily, from the message
  error.message += text
  if (stack !== undefined) error.stack = stack + text
  return error
}
